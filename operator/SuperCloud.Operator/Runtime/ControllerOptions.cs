namespace SuperCloud.Operator.Runtime;

/// <summary>How a controller runs its workers and retries.</summary>
public sealed record ControllerOptions
{
    /// <summary>Concurrent reconciles (distinct keys only: one key never runs twice at once).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>The first retry delay of a failing key.</summary>
    public TimeSpan BaseRetryDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest retry delay of a failing key.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(1000);

    /// <summary>The overall retry rate across keys, per second.</summary>
    public double RetryQps { get; init; } = 10;

    /// <summary>The overall retry burst across keys.</summary>
    public int RetryBurst { get; init; } = 100;
}
