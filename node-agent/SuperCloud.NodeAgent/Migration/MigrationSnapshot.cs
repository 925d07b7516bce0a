using SuperCloud.Agent.V1;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>One agent's view of a migration at one instant.</summary>
/// <param name="MigrationId">The migration.</param>
/// <param name="VmId">The VM that moves.</param>
/// <param name="Role">This agent's end, or null when the agent has no record of the migration.</param>
/// <param name="Phase">Where this agent is.</param>
/// <param name="Hypervisor">The hypervisor's counters, when it runs.</param>
/// <param name="Stream">The relay's counters.</param>
/// <param name="StartedAt">When this agent started its part.</param>
/// <param name="SourceStoppedAt">Source: when the VM stopped for the final copy.</param>
/// <param name="ResumeAcknowledgedAt">Source: when the target's confirmation arrived (source clock).</param>
/// <param name="TargetResumedAt">When the target resumed the VM (target clock).</param>
/// <param name="FailureReason">Why it failed or was cancelled.</param>
/// <param name="Message">What happened, for people.</param>
/// <param name="Vm">The VM's state on this agent, when it exists.</param>
public sealed record MigrationSnapshot(
    string MigrationId,
    string VmId,
    MigrationRole? Role,
    MigrationPhase Phase,
    MigrationInfo? Hypervisor,
    RelayTotals Stream,
    DateTimeOffset? StartedAt,
    DateTimeOffset? SourceStoppedAt,
    DateTimeOffset? ResumeAcknowledgedAt,
    DateTimeOffset? TargetResumedAt,
    MigrationFailureReason FailureReason,
    string? Message,
    VmStatus? Vm)
{
    /// <summary>The epoch of the migration's source copy, when this agent knows it.</summary>
    public long SourceEpoch { get; init; }

    /// <summary>The epoch of the migration's target copy, when this agent knows it.</summary>
    public long TargetEpoch { get; init; }

    /// <summary>Source: post-copy began; this copy never resumes.</summary>
    public bool PostCopyStarted { get; init; }

    /// <summary>Source: the VM's state went to the target.</summary>
    public bool HandedOver { get; init; }

    /// <summary>The epoch of this host's copy, from its ownership record.</summary>
    public long? HeldEpoch { get; init; }
}
