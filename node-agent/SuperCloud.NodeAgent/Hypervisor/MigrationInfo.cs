namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>A hypervisor's view of a VM's migration at one instant, from its own counters.</summary>
/// <param name="Status">The hypervisor's status word (QEMU: none, setup, active, postcopy-active, completed, failed, cancelling, cancelled).</param>
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
    string Status,
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

    /// <summary>No migration has run on this VM.</summary>
    public static readonly MigrationInfo None = new("none", 0, 0, 0, 0, 0, 0, null, null, null, null, null);

    /// <summary>True once the status can no longer change by itself.</summary>
    public bool IsFinished => Status is "completed" or "failed" or "cancelled";
}
