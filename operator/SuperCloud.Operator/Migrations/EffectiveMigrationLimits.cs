namespace SuperCloud.Operator.Migrations;

/// <summary>The limits a migration runs with, every field resolved (migration, then policy, then built-in default).</summary>
/// <param name="BandwidthBytesPerSecond">Transfer rate limit; 0 means unlimited.</param>
/// <param name="MaxDowntime">The longest planned pause of the final copy.</param>
/// <param name="CompletionTimeoutPerGiB">Time allowed per GiB of guest memory (at least one GiB counted).</param>
/// <param name="ProgressTimeout">Time allowed without progress.</param>
/// <param name="AllowAutoConverge">Throttle the guest when pre-copy does not converge.</param>
/// <param name="AllowPostCopy">Switch to post-copy when the completion timeout runs out.</param>
/// <param name="Policy">The MigrationPolicy the inherited fields came from, or null.</param>
public sealed record EffectiveMigrationLimits(
    long BandwidthBytesPerSecond,
    TimeSpan MaxDowntime,
    TimeSpan CompletionTimeoutPerGiB,
    TimeSpan ProgressTimeout,
    bool AllowAutoConverge,
    bool AllowPostCopy,
    string? Policy)
{
    /// <summary>The built-in defaults (KubeVirt's: 150 s per GiB, 150 s without progress), used for fields nobody set.</summary>
    public static readonly EffectiveMigrationLimits Defaults =
        new(0, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(150), TimeSpan.FromSeconds(150), false, false, null);

    /// <summary>How long a migration of a guest of <paramref name="memoryBytes"/> may take in all.</summary>
    public TimeSpan CompletionTimeout(long memoryBytes) =>
        CompletionTimeoutPerGiB * Math.Max(1.0, memoryBytes / (double)(1L << 30));
}
