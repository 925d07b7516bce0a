namespace SuperCloud.Operator.Policies;

/// <summary>
/// Predicts how long a live migration takes. The rate between two clusters is the median of the measured migrations
/// between them (bytes sent over total time, which folds in start-up and switch-over), else of all measured migrations,
/// else <see cref="DefaultBytesPerSecond"/>; a policy's bandwidth limit caps it. Pre-copy sends the memory
/// <see cref="PreCopyFactor"/> times (pages dirtied while it runs are sent again); post-copy sends it once but must still
/// finish before a reclaimed source disappears.
/// </summary>
/// <param name="DefaultBytesPerSecond">The rate assumed between clusters with no measured migration.</param>
/// <param name="PreCopyFactor">Memory bytes sent by pre-copy per byte of guest memory.</param>
/// <param name="FixedTime">Start-up and switch-over time added to every prediction that is not measured.</param>
/// <param name="SafetyMargin">Slack kept before an interruption deadline.</param>
public sealed record MigrationCostModel(double DefaultBytesPerSecond, double PreCopyFactor, TimeSpan FixedTime, TimeSpan SafetyMargin)
{
    /// <summary>The rate (bytes/s) a migration from <paramref name="from"/> to <paramref name="to"/> is expected to reach.</summary>
    public double Rate(string from, string to, IReadOnlyList<PastMigration> history, long bandwidthLimit)
    {
        ArgumentNullException.ThrowIfNull(history);
        var measured = history.Where(m => m is { Bytes: > 0, Duration.Ticks: > 0 }).ToList();
        var pair = measured.Where(m => m.FromCluster == from && m.ToCluster == to).ToList();
        var samples = (pair.Count > 0 ? pair : measured).Select(m => m.Bytes!.Value / m.Duration!.Value.TotalSeconds).Order().ToList();
        var rate = samples.Count > 0 ? samples[samples.Count / 2] : DefaultBytesPerSecond;
        return bandwidthLimit > 0 ? Math.Min(rate, bandwidthLimit) : rate;
    }

    /// <summary>Predicted total time of a migration of <paramref name="memoryBytes"/> of memory and <paramref name="diskBytes"/> of disk at <paramref name="rate"/>.</summary>
    public TimeSpan Predict(long memoryBytes, long diskBytes, double rate, bool postCopy) =>
        FixedTime + TimeSpan.FromSeconds(((memoryBytes * (postCopy ? 1.0 : PreCopyFactor)) + diskBytes) / rate);
}
