using SuperCloud.Agent.V1;
using SuperCloud.NodeAgent.Qmp;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>
/// Something that happens to a QEMU VM: an operation of the driver (under the VM's operation lock) or an event QEMU
/// reported (from the VM's monitor). <see cref="QemuVmTransitions.Next"/> turns each into the VM's next state.
/// </summary>
internal abstract record QemuVmEvent
{
    private QemuVmEvent()
    {
    }

    /// <summary>A new QEMU process is about to be started (to boot, or to receive a migration on <paramref name="IncomingSocket"/>).</summary>
    public sealed record Launching(string? IncomingSocket) : QemuVmEvent;

    /// <summary>QEMU daemonized with this pid.</summary>
    public sealed record ProcessStarted(int Pid) : QemuVmEvent;

    /// <summary>The driver attached to the process's QMP socket and follows its events in <paramref name="Monitor"/>.</summary>
    public sealed record Attached(QmpClient Qmp, Task Monitor) : QemuVmEvent;

    /// <summary>The guest's vCPUs run after a boot.</summary>
    public sealed record Booted : QemuVmEvent;

    /// <summary>QEMU listens for the incoming migration stream.</summary>
    public sealed record Listening : QemuVmEvent;

    /// <summary>Starting failed; QEMU was ended.</summary>
    public sealed record StartFailed(string Message) : QemuVmEvent;

    /// <summary>The driver paused the vCPUs on request.</summary>
    public sealed record Paused : QemuVmEvent;

    /// <summary>The driver resumed the vCPUs on request.</summary>
    public sealed record Resumed : QemuVmEvent;

    /// <summary>The driver is about to end QEMU (a stop or a delete).</summary>
    public sealed record Stopping(bool Delete) : QemuVmEvent;

    /// <summary>QEMU was ended on request and its exit is recorded.</summary>
    public sealed record Terminated : QemuVmEvent;

    /// <summary>An outgoing migration is about to be asked of QEMU.</summary>
    public sealed record OutgoingStarting(DateTimeOffset At) : QemuVmEvent;

    /// <summary>QEMU refused to start the outgoing migration.</summary>
    public sealed record OutgoingNotStarted : QemuVmEvent;

    /// <summary>The incoming copy resumed on its migration's switch-over (QEMU's RESUME at <paramref name="At"/>).</summary>
    public sealed record MigratedInResumed(DateTimeOffset At) : QemuVmEvent;

    /// <summary>The migrated-out copy resumed: its migration was rolled back.</summary>
    public sealed record RolledBack : QemuVmEvent;

    /// <summary>A new driver found QEMU running with run state <paramref name="RunState"/> and migration state <paramref name="Migration"/>.</summary>
    public sealed record Reattached(int Pid, string RunState, HypervisorMigrationState Migration) : QemuVmEvent;

    /// <summary>A new driver found QEMU running but could not talk to it.</summary>
    public sealed record Unreachable(int Pid, string Message) : QemuVmEvent;

    /// <summary>A new driver found QEMU gone while the VM was recorded as running.</summary>
    public sealed record Gone : QemuVmEvent;

    /// <summary>QEMU's STOP event.</summary>
    public sealed record QemuStop(DateTimeOffset At) : QemuVmEvent;

    /// <summary>QEMU's RESUME event.</summary>
    public sealed record QemuResume(DateTimeOffset At) : QemuVmEvent;

    /// <summary>QEMU's MIGRATION event.</summary>
    public sealed record QemuMigration(HypervisorMigrationState State) : QemuVmEvent;

    /// <summary>QEMU's SHUTDOWN event.</summary>
    public sealed record QemuShutdown(string Reason) : QemuVmEvent;

    /// <summary>The driver let go of <paramref name="Qmp"/> (it is being disposed); QEMU keeps running.</summary>
    public sealed record Detached(QmpClient Qmp) : QemuVmEvent;

    /// <summary>The QEMU process behind <paramref name="Qmp"/> exited (its monitor saw the connection close and the pid go).</summary>
    public sealed record Exited(QmpClient Qmp) : QemuVmEvent;
}
