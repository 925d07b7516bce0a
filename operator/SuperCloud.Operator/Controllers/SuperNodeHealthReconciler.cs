using System.Globalization;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Controllers;

/// <summary>
/// Derives a SuperNode's Ready/NotReady from the heartbeat Lease its agent renews (named after the node, in
/// <see cref="NodeHealthOptions.LeaseNamespace"/>), and, once a node has been NotReady for the grace period, deals with its
/// SuperPods. Fencing rule: a SuperPod is only released for rescheduling when its node is declared fenced (annotation
/// <see cref="NodeHealthOptions.FencedAnnotation"/>=true, set once the host is confirmed off) and its runStrategy restarts it;
/// otherwise it gets phase Failed with reason NodeLost and keeps status.node, so it is never started twice while the old host might still run it.
/// </summary>
public sealed class SuperNodeHealthReconciler(
    Informer<SuperNode> nodes, Informer<V1Lease> leases, SuperCloudIndexes indexes, StatusWriter<SuperNode> nodeStatus,
    StatusWriter<SuperPod> podStatus, EventRecorder events, NodeHealthOptions options, TimeProvider timeProvider,
    ILogger<SuperNodeHealthReconciler> logger) : IReconciler
{
    /// <summary>Ready reason while the agent renews its Lease.</summary>
    public const string LeaseRenewedReason = "LeaseRenewed";

    /// <summary>Ready reason once the Lease expired.</summary>
    public const string LeaseExpiredReason = "LeaseExpired";

    /// <summary>Ready reason when the agent never created its Lease.</summary>
    public const string NoLeaseReason = "NoLease";

    /// <summary>Reason (Ready condition and Event) of a SuperPod whose node was lost.</summary>
    public const string NodeLostReason = "NodeLost";

    /// <summary>Event reason of a SuperPod released for rescheduling from a fenced node.</summary>
    public const string RescheduledReason = "Rescheduled";

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var node = nodes.Cache.Get(key);
        if (node is null)
        {
            return ReconcileResult.Done;
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        var lease = leases.Cache.Get(new ObjectKey(options.LeaseNamespace, key.Name));
        var renewed = lease?.Spec?.RenewTime ?? lease?.Spec?.AcquireTime;
        var duration = lease?.Spec?.LeaseDurationSeconds is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : options.DefaultLeaseDuration;
        var expires = renewed is { } r ? DateTime.SpecifyKind(r, DateTimeKind.Utc) + duration : (DateTime?)null;
        var ready = expires is { } e && now < e;
        var leaseName = $"{options.LeaseNamespace}/{key.Name}";
        var condition = new V1Condition
        {
            Type = ConditionTypes.Ready,
            Status = ready ? "True" : "False",
            Reason = ready ? LeaseRenewedReason : renewed is null ? NoLeaseReason : LeaseExpiredReason,

            // Stable texts: a message that changed on every renewal would turn each heartbeat into a status write.
            Message = ready ? $"node agent renews its lease {leaseName}"
                : renewed is null ? $"node agent has not created its lease {leaseName}"
                : $"node agent lease {leaseName} expired at {Rfc3339(expires!.Value)}",
        };
        var phase = ready ? SuperNodePhase.Ready : SuperNodePhase.NotReady;
        var updated = await nodeStatus.UpdateAsync(
            key,
            n =>
            {
                var status = n.Status ??= new SuperNodeStatus();
                var changed = status.Phase != phase;
                status.Phase = phase;
                status.Conditions ??= [];
                changed |= Conditions.Set(status.Conditions, condition, timeProvider);
                if (changed && renewed is not null)
                {
                    // Written on transitions only: the Lease is the heartbeat, like kubelet's since NodeLease.
                    status.LastHeartbeatTime = DateTime.SpecifyKind(renewed.Value, DateTimeKind.Utc);
                }

                return changed;
            },
            cancellationToken);
        if (updated is null)
        {
            return ReconcileResult.Done;
        }

        if (ready)
        {
            // Look again just after the lease would expire; a renewal re-triggers us earlier through the Lease watch.
            return ReconcileResult.After(expires!.Value - now + TimeSpan.FromMilliseconds(100));
        }

        var since = Conditions.Find(updated.Status?.Conditions, ConditionTypes.Ready)?.LastTransitionTime ?? now;
        var lostAt = DateTime.SpecifyKind(since, DateTimeKind.Utc) + options.LostNodeGracePeriod;
        if (now < lostAt)
        {
            return ReconcileResult.After(lostAt - now + TimeSpan.FromMilliseconds(100));
        }

        var fenced = updated.Metadata.Annotations?.TryGetValue(NodeHealthOptions.FencedAnnotation, out var fence) == true
            && string.Equals(fence, "true", StringComparison.OrdinalIgnoreCase);
        var held = false;
        foreach (var pod in indexes.Pods.ByIndex(SuperCloudIndexes.PodsByNode, key.Name))
        {
            if (pod.Status?.Phase == SuperPodPhase.Failed)
            {
                continue;
            }

            if (pod.Status?.Migration is not null)
            {
                // A migration holds it: where its VM may run is the migration's decision (it knows both copies).
                held = true;
                continue;
            }

            var restarts = pod.Spec.RunStrategy is null or RunStrategy.Always or RunStrategy.RerunOnFailure;
            if (fenced && restarts)
            {
                await ReleaseAsync(pod, key.Name, cancellationToken);
            }
            else
            {
                await MarkLostAsync(pod, key.Name, Rfc3339(since), fenced, cancellationToken);
            }
        }

        return held ? ReconcileResult.After(options.LostNodeGracePeriod) : ReconcileResult.Done;
    }

    private async Task MarkLostAsync(SuperPod cached, string node, string since, bool fenced, CancellationToken cancellationToken)
    {
        var message = $"node {node} has been NotReady since {since}, longer than the {options.LostNodeGracePeriod} grace period; " +
            (fenced ? "the runStrategy does not restart the SuperPod" : $"it is not fenced ({NodeHealthOptions.FencedAnnotation}=true), so the SuperPod is not started elsewhere");
        var written = await podStatus.UpdateAsync(
            ObjectKey.From(cached),
            pod =>
            {
                // Re-check on the fresh read: the SuperPod may have moved or failed meanwhile.
                if (pod.Status?.Node != node || pod.Status.Phase == SuperPodPhase.Failed)
                {
                    return false;
                }

                pod.Status.Phase = SuperPodPhase.Failed;
                pod.Status.Conditions ??= [];
                Conditions.Set(
                    pod.Status.Conditions,
                    new V1Condition { Type = ConditionTypes.Ready, Status = "False", Reason = NodeLostReason, Message = message },
                    timeProvider);
                return true;
            },
            cancellationToken);
        if (written?.Status?.Phase == SuperPodPhase.Failed)
        {
            logger.LogWarning("SuperPod {Key} lost with node {Node}", ObjectKey.From(cached), node);
            await events.WarningAsync(cached, NodeLostReason, message, cancellationToken);
        }
    }

    private async Task ReleaseAsync(SuperPod cached, string node, CancellationToken cancellationToken)
    {
        var message = $"node {node} was lost and is fenced; the SuperPod is rescheduled";
        var written = await podStatus.UpdateAsync(
            ObjectKey.From(cached),
            pod =>
            {
                if (pod.Status?.Node != node || pod.Status.Phase == SuperPodPhase.Failed)
                {
                    return false;
                }

                pod.Status.Node = null;
                pod.Status.Cluster = null;
                pod.Status.Cloud = null;
                pod.Status.Region = null;
                pod.Status.Phase = SuperPodPhase.Pending;
                pod.Status.Conditions ??= [];
                Conditions.Set(
                    pod.Status.Conditions,
                    new V1Condition { Type = ConditionTypes.Scheduled, Status = "False", Reason = NodeLostReason, Message = message },
                    timeProvider);
                Conditions.Set(
                    pod.Status.Conditions,
                    new V1Condition { Type = ConditionTypes.Ready, Status = "False", Reason = NodeLostReason, Message = message },
                    timeProvider);
                return true;
            },
            cancellationToken);
        if (written is not null && string.IsNullOrEmpty(written.Status?.Node))
        {
            logger.LogWarning("SuperPod {Key} released from fenced node {Node} for rescheduling", ObjectKey.From(cached), node);
            await events.WarningAsync(cached, RescheduledReason, message, cancellationToken);
        }
    }

    private static string Rfc3339(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
