using System.Collections.Concurrent;
using System.Globalization;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Migrations;

/// <summary>
/// Drains SuperNodes: a cordoned node (spec.unschedulable) annotated <see cref="SuperCloudApi.DrainAnnotation"/>=true gets a
/// SuperPodMigration (reason NodeDrain) for every running SuperPod on it — the migration controller's limits pace them —
/// and a <see cref="DrainedCondition"/> condition that counts what is left. A SuperPod whose drain migration failed gets a
/// new one after <see cref="RetryAfterFailure"/>; one that does not run cannot move live and is reported, not touched.
/// </summary>
public sealed class SuperNodeDrainReconciler(
    Informer<SuperNode> nodes, Informer<SuperPodMigration> migrations, SuperCloudIndexes indexes, ResourceClient<SuperPodMigration> migrationClient,
    StatusWriter<SuperNode> nodeStatus, EventRecorder events, TimeProvider timeProvider, ILogger<SuperNodeDrainReconciler> logger) : IReconciler
{
    /// <summary>SuperNode condition: True once a drained node holds no SuperPod.</summary>
    public const string DrainedCondition = "Drained";

    /// <summary>How long after a failed drain migration of a SuperPod a new one is created.</summary>
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);

    // Migrations this controller created that the cache may not show yet (controller-runtime's "expectations"): without
    // them a second round right after the first would create a second migration of the same SuperPod, which would move
    // it again once the first moved it off the node.
    private readonly ConcurrentDictionary<(string Node, ObjectKey Pod), string> _created = new();

    /// <summary>True when <paramref name="node"/> is cordoned and asked to drain.</summary>
    public static bool IsDraining(SuperNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Spec.Unschedulable == true
            && node.Metadata.Annotations?.TryGetValue(SuperCloudApi.DrainAnnotation, out var drain) == true
            && string.Equals(drain, "true", StringComparison.OrdinalIgnoreCase);
    }

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var node = nodes.Cache.Get(key);
        if (node is null)
        {
            return ReconcileResult.Done;
        }

        if (!IsDraining(node))
        {
            if (Conditions.Find(node.Status?.Conditions, DrainedCondition) is not null)
            {
                await nodeStatus.UpdateAsync(key, n => n.Status?.Conditions is { } c && Conditions.Remove(c, DrainedCondition), cancellationToken);
            }

            return ReconcileResult.Done;
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        var drains = migrations.Cache.List()
            .Where(m => m.Metadata.Labels?.TryGetValue(SuperCloudApi.DrainedNodeLabel, out var drained) == true && drained == key.Name)
            .ToList();
        var pods = indexes.Pods.ByIndex(SuperCloudIndexes.PodsByNode, key.Name).ToList();
        var (moving, started, stuck) = (0, 0, new List<string>());
        foreach (var pod in pods)
        {
            var podKey = ObjectKey.From(pod);
            var mine = drains.Where(m => m.Metadata.NamespaceProperty == podKey.Namespace && m.Spec.SuperPod == podKey.Name).ToList();
            if (_created.TryGetValue((key.Name, podKey), out var expected))
            {
                if (mine.TrueForAll(m => m.Metadata.Name != expected))
                {
                    moving++;
                    continue;
                }

                _created.TryRemove(new KeyValuePair<(string, ObjectKey), string>((key.Name, podKey), expected));
            }

            if (pod.Status?.Migration is not null || mine.Any(m => !SuperPodMigrationReconciler.IsFinished(m.Status?.Phase)))
            {
                moving++;
                continue;
            }

            if (pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            if (pod.Status?.Phase != SuperPodPhase.Running)
            {
                stuck.Add($"{podKey} ({pod.Status?.Phase?.ToString() ?? "no phase"})");
                continue;
            }

            var lastFailure = mine.Where(m => m.Status?.CompletionTime is not null).Max(m => m.Status!.CompletionTime);
            if (lastFailure is { } failed && now - DateTime.SpecifyKind(failed, DateTimeKind.Utc) < RetryAfterFailure)
            {
                moving++;
                continue;
            }

            var created = await migrationClient.CreateAsync(new SuperPodMigration
            {
                Metadata = new V1ObjectMeta
                {
                    GenerateName = $"{Truncate(podKey.Name, 40)}-drain-",
                    NamespaceProperty = podKey.Namespace,
                    Labels = new Dictionary<string, string> { [SuperCloudApi.DrainedNodeLabel] = key.Name },
                },
                Spec = new SuperPodMigrationSpec { SuperPod = podKey.Name, Reason = MigrationReason.NodeDrain },
            }, cancellationToken);
            _created[(key.Name, podKey)] = created.Metadata.Name;
            started++;
            moving++;
        }

        if (started > 0)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Draining SuperNode {Node}: started {Count} migrations", key.Name, started);
            }

            await events.NormalAsync(node, "Draining", $"Started {started} migration(s) to move SuperPods off {key.Name}", cancellationToken);
        }

        // Expectations of SuperPods that are no longer on the node are moot.
        foreach (var expectation in _created.Keys.Where(k => k.Node == key.Name && !pods.Exists(p => ObjectKey.From(p) == k.Pod)).ToList())
        {
            _created.TryRemove(expectation, out _);
        }

        var left = pods.Count(p => p.Metadata.DeletionTimestamp is null);
        var condition = left == 0
            ? new V1Condition { Type = DrainedCondition, Status = "True", Reason = "Drained", Message = "no SuperPod runs on the node" }
            : new V1Condition
            {
                Type = DrainedCondition, Status = "False", Reason = stuck.Count > 0 ? "CannotMigrate" : "Draining",
                Message = string.Create(CultureInfo.InvariantCulture, $"{left} SuperPod(s) left: {moving} migrating")
                    + (stuck.Count > 0 ? $"; not running, so they cannot move live: {string.Join(", ", stuck)}" : ""),
            };
        await nodeStatus.UpdateAsync(key, n => Conditions.Set((n.Status ??= new SuperNodeStatus()).Conditions ??= [], condition, timeProvider), cancellationToken);
        return left == 0 ? ReconcileResult.Done : ReconcileResult.After(Recheck);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length].TrimEnd('-', '.');
}
