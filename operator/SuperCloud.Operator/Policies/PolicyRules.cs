namespace SuperCloud.Operator.Policies;

/// <summary>A MigrationPolicy reduced to what the policy engine needs: its triggers, pacing and migration limits, all parsed.</summary>
/// <param name="Name">The MigrationPolicy name.</param>
/// <param name="SpotPrice">The spot-price trigger, or null.</param>
/// <param name="SpotInterruption">Whether interruption notices move SuperPods off their node.</param>
/// <param name="PreferOnDemand">Interruption targets prefer on-demand capacity.</param>
/// <param name="FollowTheSun">The follow-the-sun trigger, or null.</param>
/// <param name="Cooldown">The least time between two policy-started migrations of one SuperPod (interruptions ignore it).</param>
/// <param name="DailyBudget">Policy-started migrations allowed per SuperPod per UTC day (interruptions ignore it).</param>
/// <param name="AllowPostCopy">Whether the policy's limits allow post-copy at all.</param>
/// <param name="BandwidthBytesPerSecond">The policy's bandwidth limit, 0 when unlimited.</param>
public sealed record PolicyRules(
    string Name,
    SpotPriceRule? SpotPrice,
    bool SpotInterruption,
    bool PreferOnDemand,
    SunRule? FollowTheSun,
    TimeSpan Cooldown,
    int DailyBudget,
    bool AllowPostCopy = true,
    long BandwidthBytesPerSecond = 0);
