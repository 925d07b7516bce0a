using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Controllers;

/// <summary>The cache indexes the SuperCloud controllers share, added once to the shared informers' caches.</summary>
public sealed class SuperCloudIndexes
{
    /// <summary>SuperPods by status.node; unscheduled SuperPods are indexed under <see cref="Unscheduled"/>.</summary>
    public const string PodsByNode = "status.node";

    /// <summary>The <see cref="PodsByNode"/> value of SuperPods without a node (never a valid node name).</summary>
    public const string Unscheduled = "";

    /// <summary>SuperNodes by spec.cluster.</summary>
    public const string NodesByCluster = "spec.cluster";

    /// <summary>Adds the indexes to the caches of <paramref name="pods"/> and <paramref name="nodes"/>.</summary>
    public SuperCloudIndexes(Informer<SuperPod> pods, Informer<SuperNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(nodes);
        pods.Cache.AddIndex(PodsByNode, p => [string.IsNullOrEmpty(p.Status?.Node) ? Unscheduled : p.Status.Node]);
        nodes.Cache.AddIndex(NodesByCluster, n => string.IsNullOrEmpty(n.Spec?.Cluster) ? [] : [n.Spec.Cluster]);
        Pods = pods.Cache;
        Nodes = nodes.Cache;
    }

    /// <summary>The SuperPod cache.</summary>
    public Cache<SuperPod> Pods { get; }

    /// <summary>The SuperNode cache.</summary>
    public Cache<SuperNode> Nodes { get; }

    /// <summary>Keys of the SuperPods waiting for a node (not being deleted).</summary>
    public IEnumerable<ObjectKey> UnscheduledPods() =>
        Pods.ByIndex(PodsByNode, Unscheduled).Where(p => p.Metadata.DeletionTimestamp is null).Select(ObjectKey.From);
}
