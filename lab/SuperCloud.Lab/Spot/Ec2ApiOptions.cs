namespace SuperCloud.Lab.Spot;

/// <summary>How a lab EC2 endpoint behaves: whom it accepts, how fast it lets callers go, how many instances a cloud holds.</summary>
public sealed record Ec2ApiOptions
{
    /// <summary>The access key ids accepted in the SigV4 Authorization header; empty accepts any signed request.</summary>
    public IReadOnlyList<string> AccessKeyIds { get; init; } = [];

    /// <summary>Requests per second the endpoint sustains before answering RequestLimitExceeded (EC2's request rate limit).</summary>
    public double RequestsPerSecond { get; init; } = 20;

    /// <summary>Requests that may come at once before the rate applies.</summary>
    public int Burst { get; init; } = 40;

    /// <summary>Instances that may be pending or running in one cloud (beyond it RunInstances answers InsufficientInstanceCapacity).</summary>
    public int MaxInstances { get; init; } = 64;

    /// <summary>How long a launched instance stays pending.</summary>
    public TimeSpan PendingTime { get; init; } = TimeSpan.FromSeconds(2);
}
