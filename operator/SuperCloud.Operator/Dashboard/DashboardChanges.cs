using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Dashboard;

/// <summary>
/// A version number that moves whenever an informer the dashboard shows delivers a change, and a task that completes at
/// the next move, so each open page is sent a new snapshot as soon as the caches change.
/// </summary>
public sealed class DashboardChanges
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;

    /// <summary>Follows the four informers; SuperCluster changes also take a cost point.</summary>
    public DashboardChanges(
        Informer<SuperPod> pods, Informer<SuperNode> nodes, Informer<SuperCluster> clusters, Informer<SuperPodMigration> migrations,
        CostHistory history, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(migrations);
        ArgumentNullException.ThrowIfNull(history);
        pods.AddHandler(Handler<SuperPod>(Bump));
        nodes.AddHandler(Handler<SuperNode>(Bump));
        migrations.AddHandler(Handler<SuperPodMigration>(Bump));
        clusters.AddHandler(Handler<SuperCluster>(() =>
        {
            history.Sample(timeProvider.GetUtcNow());
            Bump();
        }));
    }

    /// <summary>The current version and a task that completes when it moves.</summary>
    public (long Version, Task Changed) Current()
    {
        lock (_lock)
        {
            return (_version, _next.Task);
        }
    }

    private void Bump()
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            _version++;
            done = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.TrySetResult();
    }

    private static ResourceEventHandler<T> Handler<T>(Action changed)
        where T : class, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta> => new(_ => changed(), (_, _) => changed(), _ => changed());
}
