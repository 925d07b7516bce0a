using CloudNative.CloudEvents;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Events;

/// <summary>
/// Publishes the CloudEvents of SuperPods, SuperPodMigrations and SuperNodes as the shared informers see them change,
/// outside every reconciler: a slow or absent sink cannot slow reconciliation. Only the leader publishes, and the objects
/// of the first list (before the caches synced) describe no change.
/// </summary>
public sealed class LifecycleEventSource(
    Informer<SuperPod> pods, Informer<SuperPodMigration> migrations, Informer<SuperNode> nodes, SuperCloudIndexes indexes,
    CloudEventPublisher publisher, LeaderElection leaderElection, LeaderElectionOptions leaderElectionOptions, TimeProvider timeProvider) : IHostedService
{
    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!publisher.Enabled)
        {
            return Task.CompletedTask;
        }

        // A SuperPod is created without status, so its creation has no event; a handler added after the caches synced
        // receives an add per cached object, which must not repeat what happened before.
        pods.AddHandler(new ResourceEventHandler<SuperPod>(
            OnUpdate: (old, pod) => Publish(pods, () => SuperCloudEvents.ForSuperPod(old, pod, timeProvider.GetUtcNow()))));
        migrations.AddHandler(new ResourceEventHandler<SuperPodMigration>(
            OnAdd: m => Publish(migrations, () => m.Status?.Phase is null ? SuperCloudEvents.ForMigration(null, m, timeProvider.GetUtcNow()) : []),
            OnUpdate: (old, m) => Publish(migrations, () => SuperCloudEvents.ForMigration(old, m, timeProvider.GetUtcNow()))));
        nodes.AddHandler(new ResourceEventHandler<SuperNode>(
            OnUpdate: (old, node) => Publish(nodes, () => SuperCloudEvents.ForSuperNode(
                old, node,
                indexes.Pods.ByIndex(SuperCloudIndexes.PodsByNode, node.Metadata.Name).Select(p => $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}"),
                timeProvider.GetUtcNow()))));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Publish(IInformer informer, Func<IEnumerable<CloudEvent>> events)
    {
        // Objects listed at start describe the world, not a change; a standby replica leaves publishing to the leader.
        if (!informer.HasSynced || (leaderElectionOptions.Enabled && !leaderElection.IsLeader))
        {
            return;
        }

        foreach (var cloudEvent in events())
        {
            publisher.Publish(cloudEvent);
        }
    }
}
