using SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>
/// How a QEMU VM's state follows from what happens to it: one pure function, so that the driver's operations and
/// QEMU's own events (which arrive on another task) can never leave the VM half-changed or decide differently.
/// </summary>
internal static class QemuVmTransitions
{
    private const string PostCopyOutMessage = "post-copy: the VM runs on the target, which pulls its remaining pages from here; this copy never resumes";

    /// <summary>The state after <paramref name="evt"/> happened to a VM in <paramref name="state"/> at <paramref name="now"/>.</summary>
    public static QemuVmState Next(QemuVmState state, QemuVmEvent evt, DateTimeOffset now) => evt switch
    {
        QemuVmEvent.Launching launching => state with
        {
            StopRequested = false,
            ShutdownReason = null,
            Pid = null,
            IncomingSocket = launching.IncomingSocket,
            Status = state.Status with { Migration = launching.IncomingSocket is null ? VmMigrationState.None : VmMigrationState.Incoming },
        },
        QemuVmEvent.ProcessStarted started => state with { Pid = started.Pid },
        QemuVmEvent.Attached attached => state with { Qmp = attached.Qmp, Monitor = attached.Monitor, LastMigrationEvent = HypervisorMigrationState.None },
        QemuVmEvent.Booted => Set(state, now, VmState.Running, "Started", ""),
        QemuVmEvent.Listening => Set(state, now, VmState.Paused, QemuDriver.IncomingMigrationReason, "waiting for the incoming migration stream"),
        QemuVmEvent.StartFailed failed => Set(state, now, VmState.Stopped, "StartFailed", failed.Message, VmMigrationState.None) with { IncomingSocket = null },
        QemuVmEvent.Paused => Set(state, now, VmState.Paused, "Paused", ""),
        QemuVmEvent.Resumed => Set(state, now, VmState.Running, "Resumed", ""),
        QemuVmEvent.Stopping stopping => state with { StopRequested = true, Deleted = state.Deleted || stopping.Delete },
        QemuVmEvent.Terminated => state.Status.State is VmState.Running or VmState.Paused or VmState.Unknown
            ? Set(state, now, VmState.Stopped, "Stopped", "", VmMigrationState.None) with { IncomingSocket = null }
            : state,
        QemuVmEvent.OutgoingStarting starting => state with
        {
            OutgoingStartedAt = starting.At,
            Status = state.Status with { Migration = VmMigrationState.Outgoing },
        },
        QemuVmEvent.OutgoingNotStarted => state.Migration == VmMigrationState.Outgoing
            ? state with { Status = state.Status with { Migration = VmMigrationState.None } }
            : state,
        QemuVmEvent.MigratedInResumed resumed => Set(state, now, VmState.Running, QemuDriver.MigratedInReason, "resumed by the migration's switch-over", VmMigrationState.None)
            with { LastResumeAt = resumed.At, IncomingSocket = null },
        QemuVmEvent.RolledBack => Set(state, now, VmState.Running, QemuDriver.MigrationRolledBackReason, "resumed on the source: the migration was rolled back", VmMigrationState.None),
        QemuVmEvent.Reattached reattached => Reattach(state, reattached, now),
        QemuVmEvent.Unreachable unreachable => Set(state with { Pid = unreachable.Pid }, now, VmState.Unknown, "QmpUnreachable",
            $"QEMU pid {unreachable.Pid} runs but QMP failed: {unreachable.Message}"),
        QemuVmEvent.Gone => Set(state, now, VmState.Crashed, "ProcessGone", "QEMU exited while the agent was not watching", VmMigrationState.None),
        QemuVmEvent.QemuStop stop => state.Status.State == VmState.Running
            ? Set(state, now, VmState.Paused, "Paused", "") with { LastStopAt = stop.At }
            : state with { LastStopAt = stop.At },

        // Only a copy that is nobody's migration target or handed-over state resumes by itself (an outgoing pre-copy that
        // failed after its final stop); the switch-over and the roll-back record their own resume.
        QemuVmEvent.QemuResume resume => state.Status.State == VmState.Paused && state.Migration is VmMigrationState.None or VmMigrationState.Outgoing
            ? Set(state, now, VmState.Running, "Resumed", "") with { LastResumeAt = resume.At }
            : state with { LastResumeAt = resume.At },
        QemuVmEvent.QemuMigration migration => Migrate(state with { LastMigrationEvent = migration.State }, migration.State, now),
        QemuVmEvent.QemuShutdown shutdown => state with { ShutdownReason = shutdown.Reason },
        QemuVmEvent.Detached detached => ReferenceEquals(state.Qmp, detached.Qmp) ? state with { Qmp = null } : state,
        QemuVmEvent.Exited exited => Exit(state, exited, now),
        _ => throw new ArgumentOutOfRangeException(nameof(evt), evt, "unknown QEMU VM event"),
    };

    // The source's copy: from "completed" (or post-copy) on, its state lives on the target and it must never run again.
    private static QemuVmState Migrate(QemuVmState state, HypervisorMigrationState migration, DateTimeOffset now)
    {
        if (state.Migration != VmMigrationState.Outgoing)
        {
            return state;
        }

        return migration switch
        {
            HypervisorMigrationState.Completed => Set(state, now, VmState.Paused, QemuDriver.MigratedOutReason, QemuDriver.MigratedOutMessage, VmMigrationState.MigratedOut),
            HypervisorMigrationState.PostcopyActive or HypervisorMigrationState.PostcopyPaused or HypervisorMigrationState.PostcopyRecover =>
                Set(state, now, VmState.Paused, QemuDriver.MigratedOutReason, PostCopyOutMessage, VmMigrationState.PostCopyOut),
            HypervisorMigrationState.Failed or HypervisorMigrationState.Cancelled => state with { Status = state.Status with { Migration = VmMigrationState.None } },
            _ => state,
        };
    }

    private static QemuVmState Reattach(QemuVmState state, QemuVmEvent.Reattached reattached, DateTimeOffset now)
    {
        var runState = QemuCommandLine.MapRunState(reattached.RunState);
        var persisted = state.Migration;
        var postCopy = reattached.Migration is HypervisorMigrationState.PostcopyActive or HypervisorMigrationState.PostcopyPaused or HypervisorMigrationState.PostcopyRecover;
        var wasSource = persisted is VmMigrationState.Outgoing or VmMigrationState.MigratedOut or VmMigrationState.PostCopyOut || reattached.RunState == "postmigrate";
        var migration = wasSource
            ? persisted == VmMigrationState.PostCopyOut || postCopy ? VmMigrationState.PostCopyOut
            : reattached.Migration == HypervisorMigrationState.Completed || reattached.RunState == "postmigrate" ? VmMigrationState.MigratedOut
            : reattached.Migration is HypervisorMigrationState.Active or HypervisorMigrationState.Setup ? VmMigrationState.Outgoing
            : VmMigrationState.None
            : reattached.RunState == "inmigrate" || (runState == VmState.Paused && persisted == VmMigrationState.Incoming) ? VmMigrationState.Incoming
            : VmMigrationState.None;
        var (reason, message) = migration switch
        {
            VmMigrationState.Incoming => (QemuDriver.IncomingMigrationReason, $"re-attached to QEMU pid {reattached.Pid}, the target of a migration that has not switched over"),
            VmMigrationState.MigratedOut => (QemuDriver.MigratedOutReason, QemuDriver.MigratedOutMessage),
            VmMigrationState.PostCopyOut => (QemuDriver.MigratedOutReason, PostCopyOutMessage),
            _ => ("Reattached", $"re-attached to QEMU pid {reattached.Pid}"),
        };

        // A copy migrated out before the restart keeps its outgoing start, so a later event is not taken for a new one.
        var outgoingStartedAt = migration is VmMigrationState.MigratedOut or VmMigrationState.PostCopyOut ? state.OutgoingStartedAt ?? state.Status.Since : state.OutgoingStartedAt;
        return Set(state with { Pid = reattached.Pid, OutgoingStartedAt = outgoingStartedAt }, now, runState, reason, message, migration);
    }

    private static QemuVmState Exit(QemuVmState state, QemuVmEvent.Exited exited, DateTimeOffset now)
    {
        if (!ReferenceEquals(state.Qmp, exited.Qmp))
        {
            // An older process's monitor: the VM has moved on to another one.
            return state;
        }

        var detached = state with { Qmp = null, Pid = null, IncomingSocket = null };
        if (state.Deleted)
        {
            return detached;
        }

        var (vmState, reason, message) = (state.StopRequested, state.ShutdownReason) switch
        {
            (true, _) => (VmState.Stopped, "Stopped", ""),
            (false, _) when state.Migration == VmMigrationState.Incoming => (VmState.Crashed, QemuDriver.IncomingFailedReason, "QEMU exited before the incoming migration switched over"),
            (false, "guest-shutdown") => (VmState.Stopped, "GuestShutdown", "the guest powered off"),
            (false, { } why) => (VmState.Crashed, "ProcessExited", $"QEMU exited: {why}"),
            _ => (VmState.Crashed, "ProcessExited", "QEMU exited without a shutdown event"),
        };
        return Set(detached, now, vmState, reason, message, VmMigrationState.None);
    }

    private static QemuVmState Set(QemuVmState state, DateTimeOffset now, VmState vmState, string reason, string message, VmMigrationState? migration = null) =>
        state with
        {
            Status = new VmStatus(
                state.Status.Id, vmState, reason, message, vmState is VmState.Running or VmState.Paused or VmState.Unknown ? state.Pid : null, now,
                migration ?? state.Migration),
        };
}
