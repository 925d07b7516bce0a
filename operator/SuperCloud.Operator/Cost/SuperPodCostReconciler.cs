using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Cost;

/// <summary>
/// Keeps each SuperPod's status.cost: the rate where it runs now and what it has cost since it was created, each period
/// at the rate then in force. Writes when the rate changes (a price, a migration's switch-over) and otherwise at most
/// once per <see cref="CostOptions.WriteInterval"/>.
/// </summary>
public sealed partial class SuperPodCostReconciler(
    Informer<SuperPod> pods, Informer<SuperNode> nodes, Informer<SuperCluster> clusters, StatusWriter<SuperPod> statusWriter,
    CostAccounts accounts, CostMetrics metrics, CostOptions options, TimeProvider timeProvider, ILogger<SuperPodCostReconciler> logger) : IReconciler
{
    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        if (pods.Cache.Get(key) is not { } pod)
        {
            accounts.Remove(key);
            metrics.RemovePod(key);
            return ReconcileResult.Done;
        }

        var node = string.IsNullOrEmpty(pod.Status?.Node) ? null : nodes.Cache.Get(new ObjectKey(null, pod.Status.Node));
        var clusterName = node?.Spec.Cluster ?? pod.Status?.Cluster;
        var cluster = string.IsNullOrEmpty(clusterName) ? null : clusters.Cache.Get(new ObjectKey(null, clusterName));
        CostRate rate;
        try
        {
            rate = CostRate.For(pod, node, cluster);
        }
        catch (ArgumentException e)
        {
            // A price that does not parse is the SuperCluster's error (its own status says so); keep the last rate.
            LogUnpriced(logger, key, e.Message);
            rate = accounts.Get(key)?.Rate ?? CostRate.Idle(cluster?.Spec.Pricing?.Currency ?? "USD");
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        var since = pod.Metadata.CreationTimestamp?.ToUniversalTime() ?? now;
        var step = accounts.Step(key, pod.Status?.Cost, since, rate, now, options.WriteInterval);
        if (step.Write && pod.Metadata.DeletionTimestamp is null)
        {
            var cost = step.Ledger.ToStatus();
            var written = await statusWriter.UpdateAsync(
                key,
                fresh =>
                {
                    var status = fresh.Status ??= new SuperPodStatus();
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

        metrics.SetPod(key, step.Ledger);
        return ReconcileResult.After(step.Next);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SuperPod {Key}: cannot price where it runs, keeping its last rate: {Message}")]
    private static partial void LogUnpriced(ILogger logger, ObjectKey key, string message);
}
