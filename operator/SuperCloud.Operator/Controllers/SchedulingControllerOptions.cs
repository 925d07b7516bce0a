namespace SuperCloud.Operator.Controllers;

/// <summary>How the scheduling controller retries SuperPods no node fits.</summary>
public sealed record SchedulingControllerOptions
{
    /// <summary>The first retry delay of an unschedulable SuperPod; doubles per failed attempt (node changes retry at once).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest retry delay of an unschedulable SuperPod.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);
}
