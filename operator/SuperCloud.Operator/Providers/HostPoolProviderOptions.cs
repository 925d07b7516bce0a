namespace SuperCloud.Operator.Providers;

/// <summary>How the operator talks to cloud providers and how often it reads their prices.</summary>
public sealed class HostPoolProviderOptions
{
    /// <summary>The operator's namespace: where a credentials Secret without a namespace is read.</summary>
    public string Namespace { get; set; } = "supercloud-system";

    /// <summary>How often each SuperCluster's prices are read.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Retries of a throttled or failed call, by the SDK, before the call fails.</summary>
    public int MaxErrorRetry { get; set; } = 4;

    /// <summary>How long one HTTP request may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Interval < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"Operator:PriceFeed:Interval must be at least 1s, not {Interval}", nameof(Interval));
        }

        if (MaxErrorRetry is < 0 or > 20)
        {
            throw new ArgumentException($"Operator:PriceFeed:MaxErrorRetry must be between 0 and 20, not {MaxErrorRetry}", nameof(MaxErrorRetry));
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Operator:PriceFeed:RequestTimeout must be positive, not {RequestTimeout}", nameof(RequestTimeout));
        }
    }
}
