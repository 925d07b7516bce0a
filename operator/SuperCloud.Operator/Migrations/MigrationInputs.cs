using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Migrations;

/// <summary>
/// What the migration controller reads besides its own objects and the agents: the SuperPods (from the cache, or fresh
/// from the API when the cache may lag behind the migration's own write), the policies that resolve its limits, and
/// the cluster snapshot the scheduler places it on.
/// </summary>
public sealed class MigrationInputs(
    Informer<SuperPod> pods, Informer<SuperNode> nodes, Informer<SuperCluster> clusters, Informer<StubResource> stubs,
    Informer<MigrationPolicy> policies, Informer<V1Namespace> namespaces, ResourceClient<SuperPod> podClient)
{
    /// <summary>The SuperPod as the cache shows it.</summary>
    public SuperPod? Pod(ObjectKey key) => pods.Cache.Get(key);

    /// <summary>The SuperPod as the API server has it now.</summary>
    public Task<SuperPod?> FreshPodAsync(ObjectKey key, CancellationToken cancellationToken) => podClient.GetAsync(key, cancellationToken);

    /// <summary>The migration's limits (migration, then the SuperPod's MigrationPolicy, then the defaults), or why they cannot be used.</summary>
    public (EffectiveMigrationLimits Limits, string? Error) Limits(SuperPodMigration migration, SuperPod? pod)
    {
        ArgumentNullException.ThrowIfNull(migration);
        try
        {
            var namespaceLabels = namespaces.Cache.Get(new ObjectKey(null, migration.Metadata.NamespaceProperty ?? ""))?.Metadata.Labels;
            var policy = pod is null ? null : MigrationLimitsResolver.PolicyFor(pod, namespaceLabels?.AsReadOnly(), policies.Cache.List());
            return (MigrationLimitsResolver.Resolve(migration.Spec.Limits, policy), null);
        }
        catch (FormatException e)
        {
            return (EffectiveMigrationLimits.Defaults, e.Message);
        }
    }

    /// <summary>The cluster as the scheduler sees it: clusters, nodes, SuperPods (with migration reservations) and stubs.</summary>
    public ClusterSnapshot Snapshot() => ClusterSnapshot.Build(clusters.Cache.List(), nodes.Cache.List(), pods.Cache.List(), stubs.Cache.List());

    /// <summary>The SuperNode named <paramref name="name"/>, or null.</summary>
    public SuperNode? Node(string? name) => string.IsNullOrEmpty(name) ? null : nodes.Cache.Get(new ObjectKey(null, name));
}
