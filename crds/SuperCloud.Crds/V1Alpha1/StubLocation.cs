using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Where a StubResource lives, from the cloud down to the node.</summary>
[CelRule("has(self.cloud) || has(self.cluster)", "set at least cloud or cluster", Reason = "FieldValueRequired")]
[CelRule("!has(self.node) || has(self.cluster)", "node requires cluster", FieldPath = ".cluster", Reason = "FieldValueRequired")]
public sealed class StubLocation
{
    /// <summary>The cloud.</summary>
    public CloudProvider? Cloud { get; set; }

    /// <summary>The region.</summary>
    [Pattern(Patterns.Region)]
    [MaxLength(63)]
    public string? Region { get; set; }

    /// <summary>The SuperCluster.</summary>
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    public string? Cluster { get; set; }

    /// <summary>The SuperNode, for resources attached to one host.</summary>
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    public string? Node { get; set; }
}
