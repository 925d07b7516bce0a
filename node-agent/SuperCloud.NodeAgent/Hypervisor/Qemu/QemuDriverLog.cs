namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>The QEMU driver's log events (source-generated, so disabled levels cost nothing).</summary>
internal static partial class QemuDriverLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId} created ({Vcpus} vCPU, {MemoryMib} MiB)")]
    public static partial void Created(this ILogger logger, string vmId, int vcpus, long memoryMib);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId} deleted")]
    public static partial void Deleted(this ILogger logger, string vmId);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId} started (pid {Pid}, accelerator {Accelerator})")]
    public static partial void Started(this ILogger logger, string vmId, int pid, string accelerator);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM {VmId} failed to start; killing its QEMU")]
    public static partial void StartFailed(this ILogger logger, Exception error, string vmId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM {VmId}: QEMU exited unexpectedly: {Detail}")]
    public static partial void ExitedUnexpectedly(this ILogger logger, string vmId, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM {VmId}: QMP quit failed ({Error}); killing QEMU")]
    public static partial void QuitFailed(this ILogger logger, string vmId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM {VmId}: QEMU pid {Pid} did not exit within {Timeout}; killing it")]
    public static partial void KillingAfterTimeout(this ILogger logger, string vmId, int pid, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignoring VM directory {Directory}: {Error}")]
    public static partial void IgnoringDirectory(this ILogger logger, string directory, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId} re-attached to QEMU pid {Pid} ({State})")]
    public static partial void Reattached(this ILogger logger, string vmId, int pid, VmState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM {VmId}: QEMU pid {Pid} runs but QMP failed: {Error}")]
    public static partial void QmpUnreachable(this ILogger logger, string vmId, int pid, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM {VmId}: QEMU is gone since the agent last saw it {State}")]
    public static partial void ProcessGone(this ILogger logger, string vmId, VmState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId}: QEMU pid {Pid} waits for an incoming migration on {Socket}")]
    public static partial void IncomingListening(this ILogger logger, string vmId, int pid, string socket);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId}: outgoing migration started into {Socket}")]
    public static partial void OutgoingStarted(this ILogger logger, string vmId, string socket);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId} resumed after its incoming migration switched over")]
    public static partial void MigratedInResumed(this ILogger logger, string vmId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM {VmId} resumed on the source: its completed migration was rolled back")]
    public static partial void MigrationRolledBack(this ILogger logger, string vmId);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId}: mirroring {Disks} disks to the migration target")]
    public static partial void DiskMirrorStarted(this ILogger logger, string vmId, int disks);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId}: disk mirror completed; the target's disks are identical")]
    public static partial void DiskMirrorCompleted(this ILogger logger, string vmId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM {VmId}: ending the disk mirror, {Command} failed: {Error}")]
    public static partial void DiskMirrorCleanupFailed(this ILogger logger, string vmId, string command, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId}: {Jobs} disk mirror jobs ended and their NBD clients removed")]
    public static partial void DiskMirrorEnded(this ILogger logger, string vmId, int jobs);
}
