using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>How many hosts the operator keeps in a provider-managed SuperCluster, and of which capacity type.</summary>
[CelRule("!has(self.minNodes) || !has(self.maxNodes) || self.minNodes <= self.maxNodes", "minNodes must not be greater than maxNodes", FieldPath = ".maxNodes")]
public sealed class NodeScaling
{
    /// <summary>Hosts kept running even when no SuperPod needs them.</summary>
    [Minimum(0)]
    [Maximum(1000)]
    [Default(0)]
    public int? MinNodes { get; set; }

    /// <summary>The most hosts the operator starts.</summary>
    [Minimum(0)]
    [Maximum(1000)]
    [Default(10)]
    public int? MaxNodes { get; set; }

    /// <summary>Whether new hosts are spot or on-demand instances.</summary>
    [Default("OnDemand")]
    public CapacityType? CapacityType { get; set; }
}
