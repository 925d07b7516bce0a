using System.Diagnostics;
using SuperCloud.NodeAgent.Hypervisor;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Tests.Migration;

/// <summary>
/// A guest's disk moves with it: the target exports its fresh overlay over NBD, the source mirrors the disk into it
/// through the agents' relay (mutual TLS, the migration's token, paced), then memory follows; the guest's disk checker
/// proves that no write was lost. Slow (a guest filling 64 MiB of disk under TCG), hence a class of its own.
/// </summary>
public sealed class DiskMigrationTests(DiskMigrationAgents agents) : IClassFixture<DiskMigrationAgents>
{
    private static readonly TimeSpan MigrationTimeout = TimeSpan.FromSeconds(180);

    [SkippableFact]
    public async Task Guest_with_a_1GiB_disk_moves_with_its_disk_and_no_write_is_lost()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var (source, target) = (agents.Current, agents.Other);
        var before = ConsoleLog.DiskcheckOkGenerations(await source.ConsoleAsync())[^1];
        var sourceFiles = Path.Combine(source.StateDirectory, MigrationAgents.VmId);

        // 32 MiB/s through the relay (the agents' pacing), for the disk and the memory alike.
        var options = new V1.MigrationOptions { BandwidthBytesPerSecond = 32 << 20, MaxDowntimeMs = 300 };
        await StartAsync(source, target, "disk-move-1", options);
        var mirroring = await Poll.UntilAsync(() => GetAsync(source, "disk-move-1"), s => s.DiskBytesTransferred > 0 || s.Phase != V1.MigrationPhase.Transferring,
            TimeSpan.FromSeconds(60), "disk bytes mirrored");
        mirroring.BytesTransferred.Should().Be(0, "memory is copied only once the disk is in sync");
        var final = await Poll.UntilAsync(() => GetAsync(source, "disk-move-1"), s => s.Phase is V1.MigrationPhase.Switched or V1.MigrationPhase.Failed or V1.MigrationPhase.Cancelled,
            MigrationTimeout, "the migration finished");

        final.Phase.Should().Be(V1.MigrationPhase.Switched, final.Message);
        var targetVm = await target.Client.GetVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10));
        targetVm.State.Should().Be(V1.VmState.Running);

        // The guest goes on verifying its disk on the target, with writes newer than before the move, and finds every block.
        var console = await Poll.UntilAsync(target.ConsoleAsync, c => ConsoleLog.DiskcheckOkGenerations(c).Count(g => g > before) >= 2,
            TimeSpan.FromSeconds(90), "two DISKCHECK OK on the target after the move");
        ConsoleLog.HasDiskcheckFailure(console).Should().BeFalse(console);
        ConsoleLog.HasMemcheckCorrupt(console).Should().BeFalse(console);
        console.Should().NotContain("CHECKER START", "the guest was not booted again");

        // The operator's last step: the source's copy goes, with its disk files; one QEMU runs the guest.
        await source.Client.DeleteVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(30));
        agents.Current = target;
        agents.Epoch++;
        Directory.Exists(sourceFiles).Should().BeFalse("the source's overlay and seed went with the VM");
        QemuProcessesOf(source, target).Should().ContainSingle().Which.Should().Be(targetVm.ProcessId);
    }

    [SkippableFact]
    public async Task Target_killed_mid_mirror_leaves_the_guest_running_on_the_source_with_its_disk_intact()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var (source, target) = (agents.Current, agents.Other);

        // 2 MiB/s: the 64 MiB the guest wrote take half a minute to mirror, so the target dies in the middle.
        var options = new V1.MigrationOptions { BandwidthBytesPerSecond = 2 << 20, MaxDowntimeMs = 300 };
        await StartAsync(source, target, "disk-kill-1", options);
        await Poll.UntilAsync(() => GetAsync(source, "disk-kill-1"), s => s.DiskBytesTransferred > 4 << 20, TimeSpan.FromSeconds(60), "4 MiB of disk mirrored");

        Process.GetProcessById(QemuProcessesOf(target).Single()).Kill();

        var final = await Poll.UntilAsync(() => GetAsync(source, "disk-kill-1"), s => s.Phase is V1.MigrationPhase.Failed or V1.MigrationPhase.Cancelled or V1.MigrationPhase.Switched,
            TimeSpan.FromSeconds(60), "the source's verdict");
        final.Phase.Should().Be(V1.MigrationPhase.Failed, final.Message);
        final.Message.Should().Contain("keeps running on the source");
        try
        {
            await target.Client.AbortMigrationTargetAsync(new V1.MigrationRequest { MigrationId = "disk-kill-1", VmId = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(30));
            if (await target.HasVmAsync())
            {
                await target.Client.DeleteVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(30));
            }
        }
        catch (Grpc.Core.RpcException)
        {
            // What is left of the target is cleaned up with the fixture; it is not the point here.
        }

        var vm = await source.Client.GetVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10));
        vm.State.Should().Be(V1.VmState.Running);
        var seen = ConsoleLog.DiskcheckOkGenerations(await source.ConsoleAsync()).Count;
        var console = await Poll.UntilAsync(source.ConsoleAsync, c => ConsoleLog.DiskcheckOkGenerations(c).Count >= seen + 2, TimeSpan.FromSeconds(90), "two fresh DISKCHECK OK on the source");
        ConsoleLog.HasDiskcheckFailure(console).Should().BeFalse(console);
        (await source.Driver.GetDiskMirrorAsync(MigrationAgents.VmId, CancellationToken.None)).Should().Be(DiskMirrorInfo.None, "the mirror is gone");
    }

    private async Task StartAsync(MigrationAgents.Agent source, MigrationAgents.Agent target, string id, V1.MigrationOptions options)
    {
        var token = MigrationAgents.NewToken();
        var prepared = await target.Client.PrepareMigrationTargetAsync(new V1.PrepareMigrationTargetRequest
        {
            MigrationId = id, Token = token, Spec = new DiskMigrationAgents().Spec(), SourceNode = source.Name, Options = options, Epoch = agents.Epoch + 1,
        }, deadline: MigrationAgents.Deadline(60));
        prepared.Phase.Should().Be(V1.MigrationPhase.Prepared);
        var started = await source.Client.StartMigrationSourceAsync(new V1.StartMigrationSourceRequest
        {
            MigrationId = id, VmId = MigrationAgents.VmId, Token = token, TargetNode = target.Name, TargetEndpoint = target.Endpoint, Options = options,
            SourceEpoch = agents.Epoch, TargetEpoch = agents.Epoch + 1,
        }, deadline: MigrationAgents.Deadline(60));
        started.Phase.Should().Be(V1.MigrationPhase.Transferring, started.Message);
    }

    private static Task<V1.MigrationStatus> GetAsync(MigrationAgents.Agent agent, string id) =>
        agent.Client.GetMigrationAsync(new V1.MigrationRequest { MigrationId = id, VmId = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10)).ResponseAsync;

    // Every live QEMU process of these agents' guest (its pid file is in an agent's state directory).
    private static List<int> QemuProcessesOf(params MigrationAgents.Agent[] owners) =>
        [.. Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(n => int.Parse(n!, System.Globalization.CultureInfo.InvariantCulture))
            .Where(pid =>
            {
                try
                {
                    var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
                    return cmdline.StartsWith("qemu-system", StringComparison.Ordinal) && cmdline.Contains($"guest={MigrationAgents.VmId},", StringComparison.Ordinal)
                        && owners.Any(o => cmdline.Contains(o.StateDirectory + "/", StringComparison.Ordinal));
                }
                catch (IOException)
                {
                    return false;
                }
            })];
}
