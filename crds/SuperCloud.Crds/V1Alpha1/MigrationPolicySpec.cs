using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Which SuperPods a policy governs, what triggers their migration, and the limits that apply.</summary>
[CelRule("!has(self.dailyBudget) || self.dailyBudget > 0 || !(has(self.triggers.spotPrice) || has(self.triggers.followTheSun) || has(self.triggers.stubAccess))", "a dailyBudget of 0 leaves no migration for the spotPrice, followTheSun or stubAccess triggers", FieldPath = ".dailyBudget", Reason = "FieldValueInvalid")]
public sealed class MigrationPolicySpec
{
    /// <summary>The SuperPods the policy applies to; a SuperPod's spec.migrationPolicy can only choose among the policies whose selectors match it.</summary>
    public MigrationPolicySelectors? Selectors { get; set; }

    /// <summary>The events that start a migration; at least one must be set.</summary>
    public required MigrationTriggers Triggers { get; set; }

    /// <summary>Limits for the migrations this policy starts; a SuperPodMigration's own limits override them field by field, and unset fields get the built-in defaults.</summary>
    public MigrationLimits? Limits { get; set; }

    /// <summary>The least time between two policy-started migrations of one SuperPod (<c>10m</c>); spot interruptions ignore it.</summary>
    [Pattern(Patterns.Duration)]
    [Default("10m")]
    public string? Cooldown { get; set; }

    /// <summary>The most migrations this policy may start per SuperPod per UTC day; spot interruptions ignore it.</summary>
    [Minimum(0)]
    [Maximum(1440)]
    [Default(24)]
    public int? DailyBudget { get; set; }

    /// <summary>When several policies match a SuperPod the highest priority wins; ties go to the alphabetically first name.</summary>
    [Minimum(0)]
    [Maximum(1000)]
    [Default(0)]
    public int? Priority { get; set; }
}
