using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>What a MigrationPolicy matches and has done.</summary>
public sealed class MigrationPolicyStatus
{
    /// <summary>The metadata.generation the operator last acted on.</summary>
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>Conditions: Ready when the policy is valid and being applied.</summary>
    [ListMap("type")]
    [MaxItems(16)]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>How many SuperPods the policy currently governs.</summary>
    [Minimum(0)]
    public int? MatchedSuperPods { get; set; }

    /// <summary>Migrations the policy started today (UTC).</summary>
    [Minimum(0)]
    public int? MigrationsToday { get; set; }

    /// <summary>When the policy last started a migration.</summary>
    public DateTime? LastTriggerTime { get; set; }
}
