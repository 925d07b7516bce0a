namespace SuperCloud.Operator.Runtime;

/// <summary>Which Lease the operator replicas compete for and how fast leadership moves.</summary>
public sealed record LeaderElectionOptions
{
    /// <summary>Whether to elect a leader at all (off for a single local replica).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The namespace of the Lease.</summary>
    public string Namespace { get; init; } = "supercloud-system";

    /// <summary>The name of the Lease.</summary>
    public string LeaseName { get; init; } = "supercloud-operator";

    /// <summary>This replica's identity (the pod name), written as holderIdentity.</summary>
    public string Identity { get; init; } = Environment.MachineName + "_" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>How long a lease is valid after its last renewal (whole seconds; the Lease stores seconds).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leading; must be shorter than <see cref="LeaseDuration"/>.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The interval between acquisition and renewal attempts.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On graceful shutdown, clear the holder so a standby takes over at once instead of after the lease expires.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Namespace))
        {
            throw new ArgumentException("LeaderElection.Namespace must not be empty", nameof(Namespace));
        }

        if (string.IsNullOrWhiteSpace(LeaseName))
        {
            throw new ArgumentException("LeaderElection.LeaseName must not be empty", nameof(LeaseName));
        }

        if (string.IsNullOrWhiteSpace(Identity))
        {
            throw new ArgumentException("LeaderElection.Identity must not be empty", nameof(Identity));
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentException($"LeaderElection.LeaseDuration must be a whole number of seconds, at least 1 (got {LeaseDuration})", nameof(LeaseDuration));
        }

        if (RenewDeadline <= RetryPeriod || RenewDeadline >= LeaseDuration)
        {
            throw new ArgumentException(
                $"LeaderElection.RenewDeadline ({RenewDeadline}) must lie between RetryPeriod ({RetryPeriod}) and LeaseDuration ({LeaseDuration})",
                nameof(RenewDeadline));
        }

        if (RetryPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException($"LeaderElection.RetryPeriod must be positive (got {RetryPeriod})", nameof(RetryPeriod));
        }
    }
}
