using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Where a SuperPod runs or ran: node, cluster, cloud and region, as reported in status.</summary>
public sealed class PlacementLocation
{
    /// <summary>The SuperNode name.</summary>
    public string? Node { get; set; }

    /// <summary>The SuperCluster name.</summary>
    public string? Cluster { get; set; }

    /// <summary>The cloud provider of the cluster.</summary>
    public CloudProvider? Cloud { get; set; }

    /// <summary>The region of the cluster.</summary>
    public string? Region { get; set; }

    /// <summary>The ownership epoch of the SuperPod's copy there (its status.ownerEpoch while it runs there).</summary>
    [Minimum(0)]
    public long? Epoch { get; set; }
}
