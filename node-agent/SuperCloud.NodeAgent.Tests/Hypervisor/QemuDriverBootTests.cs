using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

// These tests share one booted guest; each leaves it Running for the next.
public sealed class QemuDriverBootTests(BootedVmFixture fixture) : IClassFixture<BootedVmFixture>
{
    private const string VmId = BootedVmFixture.VmId;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [SkippableFact]
    public async Task Booted_guest_prints_increasing_heartbeats_and_intact_memory()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var driver = fixture.Driver;

        var first = ConsoleLog.LastHeartbeat(await driver.ReadConsoleTailAsync(VmId, 4096, CancellationToken.None));
        first.Should().NotBeNull("the guest checker prints a heartbeat every 100 ms");
        var later = await Poll.UntilAsync(() => driver.ReadConsoleTailAsync(VmId, 4096, CancellationToken.None),
            console => ConsoleLog.LastHeartbeat(console) > first + 5, Patience, "heartbeat counter +5");

        ConsoleLog.HasMemcheckOk(later).Should().BeTrue();
        var whole = await driver.ReadConsoleTailAsync(VmId, 1 << 24, CancellationToken.None);
        ConsoleLog.HasMemcheckCorrupt(whole).Should().BeFalse();
        (await driver.GetAsync(VmId, CancellationToken.None)).State.Should().Be(VmState.Running);
    }

    [SkippableFact]
    public async Task Memory_stays_intact_after_30_seconds_of_dirtying()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var driver = fixture.Driver;
        var atReady = await driver.ReadConsoleTailAsync(VmId, 1 << 24, CancellationToken.None);
        var ready = atReady.IndexOf("MEMCHECK READY", StringComparison.Ordinal);
        ready.Should().BeGreaterThanOrEqualTo(0, "the fixture waited for the first MEMCHECK OK");
        // Heartbeats count guest running time in 100 ms steps (a late guest skips beats, never adds them), so 300
        // beats after READY are at least 30 s of dirtying, however slowly TCG runs.
        var target = (ConsoleLog.LastHeartbeat(atReady[..ready]) ?? 0) + 300;

        var console = await Poll.UntilAsync(() => driver.ReadConsoleTailAsync(VmId, 1 << 24, CancellationToken.None),
            c => ConsoleLog.HeartbeatAt(c, target) is { } at && ConsoleLog.HasMemcheckOk(c[at..]), TimeSpan.FromSeconds(75),
            $"MEMCHECK OK after heartbeat {target}");

        ConsoleLog.HasMemcheckCorrupt(console).Should().BeFalse();
        var generations = ConsoleLog.MemcheckOkGenerations(console);
        var first = ConsoleLog.MemcheckOkGenerations(console[ready..])[0];
        generations[^1].Should().BeGreaterThan(first + 3000, "30 s of dirtying rewrote pages (2000/s configured) and they verified OK");
    }

    [SkippableFact]
    public async Task Pause_freezes_the_heartbeat_and_resume_continues_it()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var driver = fixture.Driver;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        await using var watch = driver.WatchAsync(VmId, cts.Token).GetAsyncEnumerator(cts.Token);
        (await watch.MoveNextAsync()).Should().BeTrue();
        watch.Current.State.Should().Be(VmState.Running);

        var paused = await driver.PauseAsync(VmId, cts.Token);

        paused.State.Should().Be(VmState.Paused);
        (await watch.MoveNextAsync()).Should().BeTrue();
        watch.Current.State.Should().Be(VmState.Paused);
        var frozen = ConsoleLog.LastHeartbeat(await driver.ReadConsoleTailAsync(VmId, 4096, cts.Token));
        // Observing that nothing happens needs a window: ten heartbeat periods.
        await Task.Delay(TimeSpan.FromSeconds(1), cts.Token);
        ConsoleLog.LastHeartbeat(await driver.ReadConsoleTailAsync(VmId, 4096, cts.Token)).Should().Be(frozen);

        var resumed = await driver.ResumeAsync(VmId, cts.Token);

        resumed.State.Should().Be(VmState.Running);
        (await watch.MoveNextAsync()).Should().BeTrue();
        watch.Current.State.Should().Be(VmState.Running);
        await Poll.UntilAsync(() => driver.ReadConsoleTailAsync(VmId, 4096, cts.Token),
            console => ConsoleLog.LastHeartbeat(console) > frozen, Patience, "heartbeat after resume");
    }

    [SkippableFact]
    public async Task A_new_driver_instance_reattaches_to_the_running_guest()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var pid = (await fixture.Driver.GetAsync(VmId, CancellationToken.None)).ProcessId;
        // An agent restart: the old driver lets go of QMP (QEMU accepts one monitor client at a time), a new one opens.
        await fixture.Driver.DisposeAsync();

        fixture.Driver = await QemuDriver.OpenAsync(fixture.Options, fixture.Images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);

        var status = await fixture.Driver.GetAsync(VmId, CancellationToken.None);
        status.State.Should().Be(VmState.Running);
        status.Reason.Should().Be("Reattached");
        status.ProcessId.Should().Be(pid);
        (await fixture.Driver.PauseAsync(VmId, CancellationToken.None)).State.Should().Be(VmState.Paused);
        (await fixture.Driver.ResumeAsync(VmId, CancellationToken.None)).State.Should().Be(VmState.Running);
        var before = ConsoleLog.LastHeartbeat(await fixture.Driver.ReadConsoleTailAsync(VmId, 4096, CancellationToken.None));
        await Poll.UntilAsync(() => fixture.Driver.ReadConsoleTailAsync(VmId, 4096, CancellationToken.None),
            console => ConsoleLog.LastHeartbeat(console) > before, Patience, "heartbeat after re-attach");
    }
}
