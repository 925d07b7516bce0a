using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Where a migration should go: one node, one cluster, or a cloud and/or region for the scheduler to pick within.</summary>
[CelRule("(has(self.node) ? 1 : 0) + (has(self.cluster) ? 1 : 0) + (has(self.cloud) || has(self.region) ? 1 : 0) <= 1", "set only one of node, cluster, or cloud/region")]
public sealed class MigrationTarget
{
    /// <summary>A specific SuperNode.</summary>
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    public string? Node { get; set; }

    /// <summary>A SuperCluster; the scheduler picks the node.</summary>
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    public string? Cluster { get; set; }

    /// <summary>A cloud; the scheduler picks cluster and node.</summary>
    public CloudProvider? Cloud { get; set; }

    /// <summary>A region; the scheduler picks cluster and node.</summary>
    [Pattern(Patterns.Region)]
    [MaxLength(63)]
    public string? Region { get; set; }
}
