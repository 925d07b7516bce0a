namespace SuperCloud.Operator.Policies;

/// <summary>Settings of the MigrationPolicy controller: how it predicts migration time before it has measured any, and how often it looks again.</summary>
public sealed record PolicyControllerOptions
{
    /// <summary>The rate assumed between clusters with no measured migration (bytes/s); 1 Gbit/s.</summary>
    public double DefaultBytesPerSecond { get; init; } = 125e6;

    /// <summary>Bytes pre-copy sends per byte of guest memory.</summary>
    public double PreCopyFactor { get; init; } = 1.3;

    /// <summary>Start-up and switch-over time of a migration.</summary>
    public TimeSpan FixedTime { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Slack kept before an interruption deadline.</summary>
    public TimeSpan SafetyMargin { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest the controller waits before evaluating a policy again when nothing changes.</summary>
    public TimeSpan MaxRequeue { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The engine's migration cost model.</summary>
    public MigrationCostModel Costs => new(DefaultBytesPerSecond, PreCopyFactor, FixedTime, SafetyMargin);
}
