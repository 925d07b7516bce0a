using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A reference to a (cluster-scoped) MigrationPolicy by name.</summary>
public sealed class MigrationPolicyReference
{
    /// <summary>The MigrationPolicy name.</summary>
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    public required string Name { get; set; }
}
