using SuperCloud.Agent.V1;
using SuperCloud.NodeAgent.Qmp;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>
/// Everything the driver knows about one VM at one instant, replaced as a whole by <see cref="QemuVm.Apply"/>: the
/// status it reports, the QEMU process it is attached to, what a migration has made of the copy, and what the driver
/// itself asked for (a stop, a delete).
/// </summary>
internal sealed record QemuVmState
{
    /// <summary>The status the driver reports (and persists).</summary>
    public required VmStatus Status { get; init; }

    /// <summary>The QEMU process's pid, once known (before QMP is attached too).</summary>
    public int? Pid { get; init; }

    /// <summary>The QMP connection of the current QEMU process, or null.</summary>
    public QmpClient? Qmp { get; init; }

    /// <summary>Completes when the current QEMU process's QMP connection closed and its exit was applied.</summary>
    public Task Monitor { get; init; } = Task.CompletedTask;

    /// <summary>Where QEMU listens for the incoming stream while the copy is <see cref="VmMigrationState.Incoming"/>.</summary>
    public string? IncomingSocket { get; init; }

    /// <summary>When the last outgoing migration was started, or null.</summary>
    public DateTimeOffset? OutgoingStartedAt { get; init; }

    /// <summary>The driver ends QEMU itself, so its exit is Stopped rather than Crashed.</summary>
    public bool StopRequested { get; init; }

    /// <summary>The VM is being deleted: no state is recorded for it any more.</summary>
    public bool Deleted { get; init; }

    /// <summary>The reason of QEMU's SHUTDOWN event, when there was one.</summary>
    public string? ShutdownReason { get; init; }

    /// <summary>When QEMU last reported the vCPUs stopped (STOP event).</summary>
    public DateTimeOffset? LastStopAt { get; init; }

    /// <summary>When QEMU last reported the vCPUs resumed (RESUME event).</summary>
    public DateTimeOffset? LastResumeAt { get; init; }

    /// <summary>
    /// The state QEMU's last MIGRATION event announced for the current process (None before any): what the driver knows
    /// of a post-copy target whose main loop is blocked on a missing page and answers no query.
    /// </summary>
    public HypervisorMigrationState LastMigrationEvent { get; init; }

    /// <summary>What a migration has made of this copy.</summary>
    public VmMigrationState Migration => Status.Migration;
}
