using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Cost;

/// <summary>
/// Keeps each SuperCluster's status.cost: the summed rate of the SuperPods running on its nodes now and what SuperPods
/// have cost while they ran there (a SuperPod that migrates away is charged to each cluster for its time there).
/// </summary>
public sealed partial class SuperClusterCostReconciler(
    Informer<SuperPod> pods, Informer<SuperNode> nodes, Informer<SuperCluster> clusters, StatusWriter<SuperCluster> statusWriter,
    CostAccounts accounts, CostMetrics metrics, CostOptions options, TimeProvider timeProvider, ILogger<SuperClusterCostReconciler> logger) : IReconciler
{
    /// <summary>SuperPods by the SuperCluster of the node they run on.</summary>
    public const string PodsByCluster = "cost.status.cluster";

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        if (clusters.Cache.Get(key) is not { } cluster)
        {
            accounts.Remove(key);
            metrics.RemoveCluster(key.Name);
            return ReconcileResult.Done;
        }

        var currency = cluster.Spec.Pricing?.Currency ?? "USD";
        decimal perHour = 0, onDemand = 0;
        var spot = false;
        var ondemandCapacity = false;
        DateTime? observed = null;
        foreach (var pod in pods.Cache.ByIndex(PodsByCluster, key.Name))
        {
            var node = string.IsNullOrEmpty(pod.Status?.Node) ? null : nodes.Cache.Get(new ObjectKey(null, pod.Status.Node));
            if (node?.Spec.Cluster != key.Name)
            {
                continue;
            }

            try
            {
                var rate = CostRate.For(pod, node, cluster);
                perHour += rate.PerHour;
                onDemand += rate.OnDemandPerHour;
                spot |= rate.Capacity == CapacityType.Spot;
                ondemandCapacity |= rate.Capacity == CapacityType.OnDemand;
                observed = rate.ObservedSince ?? observed;
            }
            catch (ArgumentException e)
            {
                LogUnpriced(logger, key, e.Message);
                return ReconcileResult.After(options.WriteInterval);
            }
        }

        // The capacity is named only when every SuperPod there runs on the same kind.
        var total = new CostRate(currency, perHour, spot == ondemandCapacity ? null : spot ? CapacityType.Spot : CapacityType.OnDemand, onDemand, observed);
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var since = cluster.Metadata.CreationTimestamp?.ToUniversalTime() ?? now;
        var step = accounts.Step(key, cluster.Status?.Cost, since, total, now, options.WriteInterval);
        if (step.Write)
        {
            var cost = step.Ledger.ToStatus();
            var written = await statusWriter.UpdateAsync(
                key,
                fresh =>
                {
                    var status = fresh.Status ??= new SuperClusterStatus();
                    status.Cost = cost;
                    return true;
                },
                cancellationToken);
            if (written is null)
            {
                return ReconcileResult.Done;
            }

            accounts.Set(key, step.Ledger);
        }

        metrics.SetCluster(key.Name, step.Ledger);
        return ReconcileResult.After(step.Next);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SuperCluster {Key}: cannot price its SuperPods, its cost waits: {Message}")]
    private static partial void LogUnpriced(ILogger logger, ObjectKey key, string message);
}
