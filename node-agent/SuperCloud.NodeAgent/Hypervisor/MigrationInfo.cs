using SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>A hypervisor's view of a VM's migration at one instant, from its own counters.</summary>
/// <param name="State">The hypervisor's own migration state.</param>
/// <param name="TransferredBytes">Bytes of state sent (source) so far.</param>
/// <param name="RemainingBytes">Bytes still dirty in the current iteration.</param>
/// <param name="TotalBytes">Guest memory size.</param>
/// <param name="DirtyRateBytesPerSecond">How fast the guest dirties memory.</param>
/// <param name="Iterations">Completed dirty-memory synchronisations (pre-copy passes).</param>
/// <param name="CpuThrottlePercent">Auto-converge throttling of the vCPUs, 0 when none.</param>
/// <param name="Downtime">The downtime the hypervisor measured, once completed.</param>
/// <param name="TotalTime">The total time the hypervisor measured (so far, or once completed).</param>
/// <param name="Error">The hypervisor's error text when failed.</param>
/// <param name="StoppedAt">When the VM's vCPUs stopped for the final copy (source), if they did during this migration.</param>
/// <param name="ResumedAt">When the VM's vCPUs last resumed (target: after the switch-over).</param>
public sealed record MigrationInfo(
    HypervisorMigrationState State,
    long TransferredBytes,
    long RemainingBytes,
    long TotalBytes,
    long DirtyRateBytesPerSecond,
    int Iterations,
    int CpuThrottlePercent,
    TimeSpan? Downtime,
    TimeSpan? TotalTime,
    string? Error,
    DateTimeOffset? StoppedAt,
    DateTimeOffset? ResumedAt)
{
    /// <summary>Source: bytes of the VM's disks mirrored to the target so far (the disk mirror runs before memory is copied).</summary>
    public long DiskTransferredBytes { get; init; }

    /// <summary>Source: bytes of the VM's disks still to mirror.</summary>
    public long DiskRemainingBytes { get; init; }

    /// <summary>
    /// Source: the hypervisor paused the VM before its last state goes (QEMU's pre-switchover), waiting for the disks'
    /// mirror to complete.
    /// </summary>
    public bool PausedBeforeSwitchover { get; init; }

    /// <summary>No migration has run on this VM.</summary>
    public static readonly MigrationInfo None = new(HypervisorMigrationState.None, 0, 0, 0, 0, 0, 0, null, null, null, null, null);

    /// <summary>True once the state can no longer change by itself.</summary>
    public bool IsFinished => State is HypervisorMigrationState.Completed or HypervisorMigrationState.Failed or HypervisorMigrationState.Cancelled;

    /// <summary>True while post-copy runs, lost its stream or recovers it: the VM's memory is split between the hosts.</summary>
    public bool IsPostCopy => State is HypervisorMigrationState.PostcopyActive or HypervisorMigrationState.PostcopyPaused or HypervisorMigrationState.PostcopyRecover;

    /// <summary>The state of QEMU's <c>query-migrate</c> status word (and of its MIGRATION event).</summary>
    public static HypervisorMigrationState ParseQemuStatus(string? status) => status switch
    {
        null or "" or "none" => HypervisorMigrationState.None,
        "setup" => HypervisorMigrationState.Setup,
        "active" or "pre-switchover" or "device" or "wait-unplug" or "colo" => HypervisorMigrationState.Active,
        "postcopy-active" => HypervisorMigrationState.PostcopyActive,
        "postcopy-paused" => HypervisorMigrationState.PostcopyPaused,
        "postcopy-recover-setup" or "postcopy-recover" => HypervisorMigrationState.PostcopyRecover,
        "completed" => HypervisorMigrationState.Completed,
        "failed" => HypervisorMigrationState.Failed,
        "cancelling" => HypervisorMigrationState.Cancelling,
        "cancelled" => HypervisorMigrationState.Cancelled,
        _ => HypervisorMigrationState.Unspecified,
    };
}
