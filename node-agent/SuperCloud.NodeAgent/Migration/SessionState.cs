using SuperCloud.Agent.V1;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// One agent's facts about one migration at one instant, replaced as a whole by
/// <see cref="MigrationSession.Update"/>: its phase and outcome, the hypervisor's and the relay's last counters, the
/// switch-over times, and what the session has asked for.
/// </summary>
internal sealed record SessionState
{
    /// <summary>Where this agent is.</summary>
    public MigrationPhase Phase { get; init; } = MigrationPhase.Unknown;

    /// <summary>Why it failed or was cancelled.</summary>
    public MigrationFailureReason Reason { get; init; }

    /// <summary>What happened, for people.</summary>
    public string? Message { get; init; }

    /// <summary>The hypervisor's last counters.</summary>
    public MigrationInfo? Hypervisor { get; init; }

    /// <summary>The relay's last counters for this agent's direction.</summary>
    public RelayTotals Stream { get; init; } = RelayTotals.Zero;

    /// <summary>Source: when the VM stopped for the final copy; target: when the source said it did.</summary>
    public DateTimeOffset? SourceStoppedAt { get; init; }

    /// <summary>Source: when the target's confirmation arrived (source clock).</summary>
    public DateTimeOffset? ResumeAcknowledgedAt { get; init; }

    /// <summary>When the target resumed the VM (target clock).</summary>
    public DateTimeOffset? TargetResumedAt { get; init; }

    /// <summary>When the migration ended on this agent.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Source: the switch-over message went (or was attempted) to the target.</summary>
    public bool SwitchSent { get; init; }

    /// <summary>Source: the operator asked to cancel the transfer.</summary>
    public bool CancelRequested { get; init; }

    /// <summary>Source: post-copy was asked for; the VM never resumes here from then on.</summary>
    public bool PostCopyStarted { get; init; }

    /// <summary>Source: the VM's state went to the target.</summary>
    public bool HandedOver { get; init; }

    /// <summary>Post-copy lost its stream and a new one is being set up: the switch-over happened before it.</summary>
    public bool Recovering { get; init; }

    /// <summary>Target: the one-time token a source must present, until one did (then null).</summary>
    public byte[]? Token { get; init; }

    /// <summary>Target: when the token stops being accepted.</summary>
    public DateTimeOffset? TokenExpiresAt { get; init; }

    /// <summary>True while the session holds the VM: not failed, cancelled, aborted or switched over with everything moved.</summary>
    public bool IsActive => Phase is MigrationPhase.Prepared or MigrationPhase.Transferring or MigrationPhase.PostCopy or MigrationPhase.Completed;

    /// <summary>True once the migration ended badly on this agent (failed, cancelled or aborted).</summary>
    public bool IsTerminal => Phase is MigrationPhase.Failed or MigrationPhase.Cancelled or MigrationPhase.Aborted;

    /// <summary>
    /// Whether a session in this state may move to <paramref name="next"/>: a bad outcome stays, except that an abort
    /// (a durable promise) and a switch-over (the VM resumed here: a fact) override a failure, and nothing overrides an abort.
    /// </summary>
    public bool MayBecome(MigrationPhase next) => Phase switch
    {
        MigrationPhase.Aborted => next == MigrationPhase.Aborted,
        MigrationPhase.Failed when Reason == MigrationFailureReason.PostCopyFailed => next is MigrationPhase.Failed or MigrationPhase.Aborted or MigrationPhase.PostCopy,
        MigrationPhase.Failed or MigrationPhase.Cancelled => next == Phase || next is MigrationPhase.Aborted or MigrationPhase.Switched,
        _ => true,
    };
}
