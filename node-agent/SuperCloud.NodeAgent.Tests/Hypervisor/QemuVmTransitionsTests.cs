using SuperCloud.Agent.V1;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;
using E = SuperCloud.NodeAgent.Hypervisor.Qemu.QemuVmEvent;
using VmSpec = SuperCloud.NodeAgent.Hypervisor.VmSpec;
using VmState = SuperCloud.NodeAgent.Hypervisor.VmState;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

/// <summary>A QEMU VM's state as a function of what happens to it: the driver's operations and QEMU's own events.</summary>
public sealed class QemuVmTransitionsTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_incoming_copy_stays_paused_until_its_switch_over_whatever_qemu_reports()
    {
        var state = Run(Created(), new E.Launching("/run/in.sock"), new E.ProcessStarted(42), new E.Listening());
        state.Status.Should().Match<VmStatus>(s => s.State == VmState.Paused && s.Reason == QemuDriver.IncomingMigrationReason && s.ProcessId == 42);
        state.Migration.Should().Be(VmMigrationState.Incoming);

        state = Run(state, new E.QemuMigration(HypervisorMigrationState.Completed), new E.QemuResume(T0.AddSeconds(1)));
        state.Status.State.Should().Be(VmState.Paused, "only the migration's switch-over resumes an incoming copy");
        state.LastResumeAt.Should().Be(T0.AddSeconds(1));

        state = Run(state, new E.MigratedInResumed(T0.AddSeconds(2)));
        state.Status.Should().Match<VmStatus>(s => s.State == VmState.Running && s.Reason == QemuDriver.MigratedInReason && s.Migration == VmMigrationState.None);
    }

    [Fact]
    public void An_outgoing_copy_that_fails_its_transfer_runs_on_where_it_was()
    {
        var state = Run(Booted(), new E.OutgoingStarting(T0), new E.QemuStop(T0.AddSeconds(1)));
        state.Status.State.Should().Be(VmState.Paused);
        state.Migration.Should().Be(VmMigrationState.Outgoing);

        state = Run(state, new E.QemuMigration(HypervisorMigrationState.Failed), new E.QemuResume(T0.AddSeconds(2)));

        state.Status.Should().Match<VmStatus>(s => s.State == VmState.Running && s.Migration == VmMigrationState.None);
    }

    [Fact]
    public void A_completed_outgoing_copy_is_paused_for_good_until_a_roll_back()
    {
        var state = Run(Booted(), new E.OutgoingStarting(T0), new E.QemuStop(T0.AddSeconds(1)), new E.QemuMigration(HypervisorMigrationState.Completed));
        state.Status.Should().Match<VmStatus>(s => s.State == VmState.Paused && s.Reason == QemuDriver.MigratedOutReason && s.Migration == VmMigrationState.MigratedOut);

        Run(state, new E.QemuResume(T0.AddSeconds(2))).Status.State.Should().Be(VmState.Paused, "a RESUME alone does not make a migrated-out copy run");
        Run(state, new E.RolledBack()).Status.Should().Match<VmStatus>(s => s.State == VmState.Running && s.Reason == QemuDriver.MigrationRolledBackReason);
    }

    [Fact]
    public void A_copy_that_went_post_copy_stays_post_copy_out()
    {
        var state = Run(Booted(), new E.OutgoingStarting(T0), new E.QemuMigration(HypervisorMigrationState.PostcopyActive));
        state.Migration.Should().Be(VmMigrationState.PostCopyOut);

        Run(state, new E.QemuMigration(HypervisorMigrationState.Completed)).Migration.Should().Be(VmMigrationState.PostCopyOut);
        Run(state, new E.QemuMigration(HypervisorMigrationState.PostcopyPaused)).Migration.Should().Be(VmMigrationState.PostCopyOut);
    }

    [Fact]
    public void How_qemu_ended_decides_between_stopped_and_crashed()
    {
        var booted = Run(Booted(), new E.Attached(null!, Task.CompletedTask));

        Run(booted, new E.Stopping(Delete: false), new E.Exited(null!)).Status.Should().Match<VmStatus>(s => s.State == VmState.Stopped && s.ProcessId == null);
        Run(booted, new E.QemuShutdown("guest-shutdown"), new E.Exited(null!)).Status.Reason.Should().Be("GuestShutdown");
        Run(booted, new E.QemuShutdown("host-signal"), new E.Exited(null!)).Status.Should().Match<VmStatus>(s => s.State == VmState.Crashed && s.Message == "QEMU exited: host-signal");
        Run(booted, new E.Exited(null!)).Status.Should().Match<VmStatus>(s => s.State == VmState.Crashed && s.Reason == "ProcessExited");
        Run(booted, new E.Stopping(Delete: true), new E.Exited(null!)).Status.State.Should().Be(VmState.Running, "a deleted VM records nothing more");

        var incoming = Run(Created(), new E.Launching("/run/in.sock"), new E.Attached(null!, Task.CompletedTask), new E.Listening(), new E.Exited(null!));
        incoming.Status.Should().Match<VmStatus>(s => s.State == VmState.Crashed && s.Reason == QemuDriver.IncomingFailedReason && s.Migration == VmMigrationState.None);
    }

    [Theory]
    [InlineData("postmigrate", HypervisorMigrationState.Completed, VmMigrationState.Outgoing, VmState.Paused, VmMigrationState.MigratedOut)]
    [InlineData("paused", HypervisorMigrationState.Completed, VmMigrationState.MigratedOut, VmState.Paused, VmMigrationState.MigratedOut)]
    [InlineData("paused", HypervisorMigrationState.PostcopyPaused, VmMigrationState.Outgoing, VmState.Paused, VmMigrationState.PostCopyOut)]
    [InlineData("running", HypervisorMigrationState.Failed, VmMigrationState.Outgoing, VmState.Running, VmMigrationState.None)]
    [InlineData("inmigrate", HypervisorMigrationState.None, VmMigrationState.None, VmState.Paused, VmMigrationState.Incoming)]
    [InlineData("paused", HypervisorMigrationState.Active, VmMigrationState.Incoming, VmState.Paused, VmMigrationState.Incoming)]
    [InlineData("running", HypervisorMigrationState.None, VmMigrationState.None, VmState.Running, VmMigrationState.None)]
    public void A_restarted_agent_reads_what_a_migration_made_of_a_copy_from_qemu_and_its_last_record(
        string runState, HypervisorMigrationState migration, VmMigrationState persisted, VmState state, VmMigrationState expected)
    {
        var before = new QemuVmState { Status = new VmStatus("vm", VmState.Paused, "x", "", 42, T0, persisted) };

        var after = QemuVmTransitions.Next(before, new E.Reattached(42, runState, migration), T0.AddMinutes(1));

        after.Status.State.Should().Be(state);
        after.Migration.Should().Be(expected);
        after.Pid.Should().Be(42);
    }

    [Fact]
    public void Applying_an_event_that_changes_nothing_keeps_the_time_the_state_began()
    {
        var vm = new QemuVm(new VmSpec("vm", 1, 64, new VmBoot(new SuperCloud.Images.ImageSource("registry.example.com/vm/guest", SuperCloud.Images.Digest.Of([1])), ""), []), new QemuVmPaths("/tmp/none"), Created().Status);
        vm.Apply(new E.ProcessStarted(7), T0);
        var first = vm.Apply(new E.Booted(), T0.AddSeconds(1)).After.Status;

        var again = vm.Apply(new E.Booted(), T0.AddSeconds(5)).After.Status;

        again.Should().BeSameAs(first);
        again.Since.Should().Be(T0.AddSeconds(1));
    }

    private static QemuVmState Created() => new() { Status = new VmStatus("vm", VmState.Created, "Created", "", null, T0) };

    private static QemuVmState Booted() => Run(Created(), new E.Launching(null), new E.ProcessStarted(42), new E.Booted());

    private static QemuVmState Run(QemuVmState state, params E[] events) =>
        events.Aggregate((State: state, At: T0), (s, e) => (QemuVmTransitions.Next(s.State, e, s.At), s.At.AddMilliseconds(1))).State;
}
