namespace SuperCloud.Operator.Controllers;

/// <summary>Where node agents heartbeat and how long the operator waits before it gives up on a silent node's SuperPods.</summary>
public sealed record NodeHealthOptions
{
    /// <summary>The annotation that declares a SuperNode fenced (powered off or terminated, confirmed out of band).</summary>
    public const string FencedAnnotation = "supercloud.dev/fenced";

    /// <summary>The namespace of the coordination.k8s.io/v1 Leases the agents renew, one named after each SuperNode.</summary>
    public string LeaseNamespace { get; init; } = "supercloud-system";

    /// <summary>The lease duration assumed when a Lease does not set spec.leaseDurationSeconds.</summary>
    public TimeSpan DefaultLeaseDuration { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>How long a node stays NotReady before its SuperPods are treated as lost (kube's pod eviction timeout is 5 minutes).</summary>
    public TimeSpan LostNodeGracePeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(LeaseNamespace, nameof(LeaseNamespace));
        if (DefaultLeaseDuration <= TimeSpan.Zero)
        {
            throw new ArgumentException($"node health DefaultLeaseDuration must be positive, got {DefaultLeaseDuration}");
        }

        if (LostNodeGracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentException($"node health LostNodeGracePeriod must not be negative, got {LostNodeGracePeriod}");
        }
    }
}
