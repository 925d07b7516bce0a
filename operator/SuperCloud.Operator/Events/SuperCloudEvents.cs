using System.Text.Json.Nodes;
using CloudNative.CloudEvents;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Events;

/// <summary>
/// The CloudEvents a change of a SuperPod, SuperPodMigration or SuperNode stands for, from the object before and after
/// (an informer's update). Pure: the caller stamps nothing; ids are the object's uid, resourceVersion and type, so a
/// receiver can drop duplicates.
/// </summary>
public static class SuperCloudEvents
{
    /// <summary>The extension attribute naming the SuperPod (<c>namespace/name</c>) an event is about.</summary>
    public const string SuperPodExtension = "superpod";

    private static readonly MigrationPhase[] Finished = [MigrationPhase.Succeeded, MigrationPhase.Failed, MigrationPhase.Cancelled];

    /// <summary>Events of a SuperPod going from <paramref name="old"/> (null: just created) to <paramref name="now"/>.</summary>
    public static IEnumerable<CloudEvent> ForSuperPod(SuperPod? old, SuperPod now, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(now);
        var before = old?.Status;
        var after = now.Status;
        var data = new JsonObject
        {
            ["phase"] = after?.Phase?.ToString(),
            ["node"] = after?.Node,
            ["cluster"] = after?.Cluster,
            ["cloud"] = after?.Cloud?.ToString(),
            ["region"] = after?.Region,
        };
        if (!string.IsNullOrEmpty(after?.Node) && after.Node != before?.Node && after.Phase is SuperPodPhase.Scheduled or SuperPodPhase.Starting or SuperPodPhase.Running
            && string.IsNullOrEmpty(before?.Node))
        {
            yield return Create(now, SuperCloudEventTypes.Scheduled, "superpods", time, data.DeepClone());
        }

        if (after?.Phase == SuperPodPhase.Running && before?.Phase is not (SuperPodPhase.Running or SuperPodPhase.Migrating))
        {
            yield return Create(now, SuperCloudEventTypes.Running, "superpods", time, data.DeepClone());
        }

        if (after?.Phase == SuperPodPhase.Failed && before?.Phase != SuperPodPhase.Failed)
        {
            var failed = data.DeepClone().AsObject();
            failed["message"] = Condition(after.Conditions, ConditionTypes.Ready)?.Message;
            yield return Create(now, SuperCloudEventTypes.Failed, "superpods", time, failed);
        }

        var refused = Condition(after?.Conditions, ConditionTypes.MigrationPolicyRefused);
        if (refused?.Status == "True" && Condition(before?.Conditions, ConditionTypes.MigrationPolicyRefused)?.Status != "True")
        {
            yield return Create(now, SuperCloudEventTypes.PolicyDecision, "superpods", time, new JsonObject
            {
                ["decision"] = "Refused",
                ["policy"] = now.Spec.MigrationPolicy?.Name,
                ["reason"] = refused.Reason,
                ["message"] = refused.Message,
            });
        }
    }

    /// <summary>Events of a migration going from <paramref name="old"/> (null: just created) to <paramref name="now"/>.</summary>
    public static IEnumerable<CloudEvent> ForMigration(SuperPodMigration? old, SuperPodMigration now, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(now);
        var before = old?.Status;
        var after = now.Status;
        var superPod = $"{now.Metadata.NamespaceProperty}/{now.Spec.SuperPod}";
        if (old is null && now.Spec.Reason is { } reason && reason is not (MigrationReason.Manual or MigrationReason.NodeDrain))
        {
            yield return Create(now, SuperCloudEventTypes.PolicyDecision, "superpodmigrations", time, new JsonObject
            {
                ["decision"] = "Migrate",
                // The MigrationPolicy controller labels what it creates; an owner reference names a policy too.
                ["policy"] = now.Metadata.Labels?.TryGetValue(SuperCloudApi.MigrationPolicyLabel, out var policy) == true
                    ? policy
                    : now.Metadata.OwnerReferences?.FirstOrDefault(r => r.Kind == "MigrationPolicy")?.Name,
                ["reason"] = reason.ToString(),
                ["migration"] = now.Metadata.Name,
                ["target"] = Target(now.Spec.Target),
            }, superPod);
        }

        var wasActive = before?.Phase is { } p && p != MigrationPhase.Pending;
        var isActive = after?.Phase is { } q && q != MigrationPhase.Pending;
        if (isActive && !wasActive)
        {
            yield return Create(now, SuperCloudEventTypes.MigrationStarted, "superpodmigrations", time, new JsonObject
            {
                ["reason"] = now.Spec.Reason?.ToString() ?? nameof(MigrationReason.Manual),
                ["source"] = Location(after!.Source),
                ["target"] = Location(after.Target) ?? Target(now.Spec.Target),
                ["startTime"] = after.StartTime,
            }, superPod);
        }

        if (isActive && after!.Phase is { } phase && !Finished.Contains(phase)
            && (before?.Phase != phase || before?.Progress?.BytesSent != after.Progress?.BytesSent))
        {
            var progress = after.Progress;
            var total = (progress?.BytesSent ?? 0) + (progress?.BytesRemaining ?? 0);
            yield return Create(now, SuperCloudEventTypes.MigrationProgress, "superpodmigrations", time, new JsonObject
            {
                ["phase"] = phase.ToString(),
                ["bytesSent"] = progress?.BytesSent,
                ["bytesRemaining"] = progress?.BytesRemaining,
                ["iterations"] = progress?.Iterations,
                ["percent"] = total > 0 ? (int)(100 * (progress!.BytesSent ?? 0) / total) : null,
                ["postCopy"] = progress?.PostCopy,
            }, superPod);
        }

        if (after?.Phase is { } end && Finished.Contains(end) && before?.Phase != end)
        {
            var type = end switch
            {
                MigrationPhase.Succeeded => SuperCloudEventTypes.MigrationSucceeded,
                MigrationPhase.Failed => SuperCloudEventTypes.MigrationFailed,
                _ => SuperCloudEventTypes.MigrationCancelled,
            };
            yield return Create(now, type, "superpodmigrations", time, new JsonObject
            {
                ["source"] = Location(after.Source),
                ["target"] = Location(after.Target),
                ["totalTime"] = after.TotalTime,
                ["downtime"] = after.Downtime,
                ["bytesTransferred"] = after.Progress?.BytesSent,
                ["failureReason"] = after.FailureReason,
                ["message"] = after.Message,
            }, superPod);
        }
    }

    /// <summary>Events of a SuperNode going from <paramref name="old"/> to <paramref name="now"/>; <paramref name="podsOnNode"/> lists its SuperPods.</summary>
    public static IEnumerable<CloudEvent> ForSuperNode(SuperNode? old, SuperNode now, IEnumerable<string> podsOnNode, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(now);
        if (now.Status?.InterruptionNotice is { } notice && old?.Status?.InterruptionNotice is null)
        {
            yield return Create(now, SuperCloudEventTypes.SpotInterruption, "supernodes", time, new JsonObject
            {
                ["node"] = now.Metadata.Name,
                ["cluster"] = now.Spec.Cluster,
                ["time"] = notice.Time,
                ["reason"] = notice.Reason,
                ["superPods"] = new JsonArray([.. podsOnNode.Select(p => (JsonNode)JsonValue.Create(p))]),
            });
        }
    }

    private static CloudEvent Create(k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> obj, string type, string plural, DateTimeOffset time, JsonNode data, string? superPod = null)
    {
        var meta = obj.Metadata;
        var path = string.IsNullOrEmpty(meta.NamespaceProperty)
            ? $"/apis/{SuperCloudApi.GroupVersion}/{plural}/{meta.Name}"
            : $"/apis/{SuperCloudApi.GroupVersion}/namespaces/{meta.NamespaceProperty}/{plural}/{meta.Name}";
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = $"{meta.Uid}/{meta.ResourceVersion}/{type}",
            Source = new Uri(path, UriKind.Relative),
            Type = type,
            Subject = meta.Name,
            Time = time,
            DataContentType = "application/json",
            Data = data,
        };
        var pod = superPod ?? (plural == "superpods" ? $"{meta.NamespaceProperty}/{meta.Name}" : null);
        if (pod is not null)
        {
            cloudEvent[SuperPodExtension] = pod;
        }

        return cloudEvent;
    }

    private static k8s.Models.V1Condition? Condition(IList<k8s.Models.V1Condition>? conditions, string type) =>
        conditions?.FirstOrDefault(c => c.Type == type);

    private static JsonObject? Location(PlacementLocation? location) => location is null ? null : new JsonObject
    {
        ["node"] = location.Node,
        ["cluster"] = location.Cluster,
        ["cloud"] = location.Cloud?.ToString(),
        ["region"] = location.Region,
    };

    private static JsonObject? Target(MigrationTarget? target) => target is null ? null : JsonNode.Parse(k8s.KubernetesJson.Serialize(target))!.AsObject();
}
