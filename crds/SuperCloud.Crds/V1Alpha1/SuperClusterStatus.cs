using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Node counts and resource totals of a SuperCluster.</summary>
public sealed class SuperClusterStatus
{
    /// <summary>The metadata.generation the operator last acted on.</summary>
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>Conditions: Ready when the provider is reachable and at least one node is ready.</summary>
    [ListMap("type")]
    [MaxItems(16)]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>SuperNodes in the cluster.</summary>
    [Minimum(0)]
    public int? Nodes { get; set; }

    /// <summary>SuperNodes in phase Ready.</summary>
    [Minimum(0)]
    public int? ReadyNodes { get; set; }

    /// <summary>Sum of the nodes' capacity.</summary>
    public NodeResources? Capacity { get; set; }

    /// <summary>Sum of the nodes' allocatable resources.</summary>
    public NodeResources? Allocatable { get; set; }

    /// <summary>Prices last read from the provider; absent until a provider publishes any.</summary>
    public ObservedPrices? Prices { get; set; }

    /// <summary>What the cluster's SuperPods have cost together and cost now.</summary>
    public CostStatus? Cost { get; set; }
}
