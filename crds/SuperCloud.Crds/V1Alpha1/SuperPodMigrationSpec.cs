using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>What to migrate, where to, why, and within which limits.</summary>
public sealed class SuperPodMigrationSpec
{
    /// <summary>The name of the SuperPod, in the same namespace, to migrate.</summary>
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    public required string SuperPod { get; set; }

    /// <summary>Where to move the SuperPod; when empty the scheduler chooses the best other node.</summary>
    public MigrationTarget? Target { get; set; }

    /// <summary>Why the migration was requested.</summary>
    [Default("Manual")]
    public MigrationReason? Reason { get; set; }

    /// <summary>Limits for this migration; each unset field comes from the SuperPod's MigrationPolicy, then from the built-in default its description names (the schema applies no defaults, so inheritance works field by field).</summary>
    public MigrationLimits? Limits { get; set; }
}
