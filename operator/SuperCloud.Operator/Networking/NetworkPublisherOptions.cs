namespace SuperCloud.Operator.Networking;

/// <summary>Settings of the network publisher.</summary>
public sealed record NetworkPublisherOptions
{
    /// <summary>How often each agent is asked whether its network is still the current one (it may have lost it or failed to replay it).</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromSeconds(15);
}
