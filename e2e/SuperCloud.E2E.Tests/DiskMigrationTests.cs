using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// A SuperPod with a 1 GiB qcow2 data disk moves across clouds with its disk, driven by the operator like any migration:
/// the target pulls the image from its own cloud's registry, the disk's own data is mirrored through the agents, and the
/// guest's disk checker proves that no write was lost. Slow (the disk crosses a capped WAN), hence a class of its own.
/// </summary>
[Collection(SharedLab.Name)]
public sealed partial class DiskMigrationTests(LabFixture fixture, ITestOutputHelper output)
{
    private const string DiskCmdline = LabFixture.GuestCmdline + " sc.disk=data sc.disk_mib=64 sc.disk_writes_per_sec=100";
    private const string DataDisk = "  disks:\n  - name: data\n    size: 1Gi\n";

    [SkippableFact]
    public async Task A_superpod_with_a_1GiB_disk_migrates_across_clouds_under_a_tbf_cap_and_no_write_is_lost()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const double CapBitsPerSecond = 200e6;
        var pod = new Roamer(fixture, "disky", output);
        var capped = false;
        try
        {
            var source = await pod.StartAsync("    clusters: [aws-us-east-1]\n", DiskCmdline, DataDisk, "256Mi");
            var sourceConsole = fixture.Lab.ConsoleLog(source, pod.Uid);
            await fixture.Lab.UntilAsync(() => Task.FromResult(DiskChecks(LabRun.ReadShared(sourceConsole)).Count > 0), "the guest verified its disk once", TimeSpan.FromSeconds(120));
            var beforeGeneration = DiskChecks(LabRun.ReadShared(sourceConsole))[^1];
            await pod.UnpinAsync();
            await fixture.Lab.LabAsync("link", "--cloud", "onprem", "--rate", "200mbit");
            capped = true;
            var before = pod.Mark(source);

            await pod.MigrateAsync("disky-to-onprem", "  target:\n    cluster: onprem\n");
            var done = await pod.UntilFinishedAsync("disky-to-onprem", TimeSpan.FromSeconds(300));

            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            await pod.AssertRunsIntactOnAsync("onprem-1", before);
            var console = fixture.Lab.ConsoleLog("onprem-1", pod.Uid);
            await fixture.Lab.UntilAsync(() => Task.FromResult(DiskChecks(LabRun.ReadShared(console)).Count(g => g > beforeGeneration) >= 2),
                "the guest verified its disk twice on the target, with writes newer than before the move", TimeSpan.FromSeconds(120));
            LabRun.ReadShared(console).Should().NotContainAny("DISKCHECK CORRUPT", "DISKCHECK IOERROR");
            Directory.Exists(fixture.Lab.VmDirectory(source, pod.Uid)).Should().BeFalse("the source's disk files are removed with its copy");

            // Disk and memory together against the link: sent bytes / rate is the floor no migration beats.
            var last = (await pod.PodAsync())!["status"]!["lastMigration"]!;
            var sent = done["status"]!["progress"]!["bytesSent"]!.GetValue<long>();
            var total = Roamer.ParseDuration(last["totalTime"]!.GetValue<string>());
            var floor = TimeSpan.FromSeconds(sent * 8 / CapBitsPerSecond);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{sent} bytes (disk and memory) over 200 Mbit/s: total {total.TotalSeconds:0.0} s, physics floor {floor.TotalSeconds:0.0} s, ratio {total / floor:0.00}"));
            sent.Should().BeGreaterThan(64L << 20, "the 64 MiB the guest wrote to its disk crossed the link");
            total.Should().BeGreaterThanOrEqualTo(floor);
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            if (capped)
            {
                await fixture.Lab.LabAsync("link", "--cloud", "onprem", "--clear");
            }

            await pod.DeleteAsync();
        }
    }

    [SkippableFact]
    public async Task The_target_agent_killed_mid_mirror_leaves_the_superpod_on_the_source_with_its_disk_intact()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = new Roamer(fixture, "disky-fault", output);
        var killed = false;
        try
        {
            var source = await pod.StartAsync("    clusters: [aws-us-east-1]\n", DiskCmdline, DataDisk, "256Mi");
            var sourceConsole = fixture.Lab.ConsoleLog(source, pod.Uid);
            await fixture.Lab.UntilAsync(() => Task.FromResult(DiskChecks(LabRun.ReadShared(sourceConsole)).Count > 0), "the guest verified its disk once", TimeSpan.FromSeconds(120));
            await pod.UnpinAsync();
            var before = pod.Mark(source);

            // 2 MiB/s: the disk takes half a minute to mirror, so the target dies in the middle of it.
            await pod.MigrateAsync("disky-fault-1", "  target:\n    node: onprem-1\n  limits:\n    bandwidth: 2Mi\n");
            await pod.UntilMigrationAsync("disky-fault-1", m => Roamer.Phase(m) == "Transferring" && (m["status"]?["progress"]?["bytesSent"]?.GetValue<long>() ?? 0) > 4 << 20,
                "4 MiB of the disk mirrored", TimeSpan.FromSeconds(120));
            await fixture.Lab.LabAsync("agent", "kill", "--host", "onprem-1");
            killed = true;

            var done = await pod.UntilFinishedAsync("disky-fault-1", TimeSpan.FromSeconds(180));
            Roamer.Phase(done).Should().Be("Failed", done["status"]?.ToJsonString());
            await fixture.Lab.LabAsync("agent", "start", "--host", "onprem-1");
            killed = false;
            await pod.AssertRunsIntactOnAsync(source, before);
            var seen = DiskChecks(LabRun.ReadShared(sourceConsole)).Count;
            await fixture.Lab.UntilAsync(() => Task.FromResult(DiskChecks(LabRun.ReadShared(sourceConsole)).Count >= seen + 2), "the guest verified its disk again on the source", TimeSpan.FromSeconds(120));
            LabRun.ReadShared(sourceConsole).Should().NotContainAny("DISKCHECK CORRUPT", "DISKCHECK IOERROR");
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            if (killed)
            {
                await fixture.Lab.LabAsync("agent", "start", "--host", "onprem-1");
            }

            await pod.DeleteAsync();
        }
    }

    private static List<long> DiskChecks(string console) =>
        [.. DiskcheckOk().Matches(console).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"^DISKCHECK OK gen=(\d+) ", RegexOptions.Multiline)]
    private static partial Regex DiskcheckOk();
}
