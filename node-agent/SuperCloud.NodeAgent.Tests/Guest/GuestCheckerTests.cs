using System.Diagnostics;
using System.Security.Cryptography;

namespace SuperCloud.NodeAgent.Tests.Guest;

// The checker is a static Linux binary, so it runs on the build host too: its logic is tested here in milliseconds,
// and inside a real guest by the QEMU driver tests.
public sealed class GuestCheckerTests
{
    private static string Checker
    {
        get
        {
            // Builds the guest (and the checker beside it) if needed.
            return Path.Combine(GuestImage.Built, "checker");
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = await process.StandardOutput.ReadToEndAsync(cts.Token);
        var error = await process.StandardError.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, output + error);
    }

    [Fact]
    public async Task Checker_prints_heartbeats_every_period_and_memcheck_ok()
    {
        var (exit, output) = await RunAsync(Checker, "mem_mib=4", "dirty_pages_per_sec=2000", "heartbeat_ms=50", "run_seconds=1");

        exit.Should().Be(0);
        output.Should().StartWith("CHECKER START mem_mib=4 dirty_pages_per_sec=2000 heartbeat_ms=50\n");
        ConsoleLog.LastHeartbeat(output).Should().BeInRange(15, 21, "one heartbeat per 50 ms for one second");
        ConsoleLog.HasMemcheckOk(output).Should().BeTrue();
        ConsoleLog.HasMemcheckCorrupt(output).Should().BeFalse();
        // gen counts page rewrites: at 2000 pages/s it grows between the first and the last OK of the second.
        var generations = ConsoleLog.MemcheckOkGenerations(output);
        generations.Should().BeInAscendingOrder();
        generations[^1].Should().BeGreaterThan(generations[0]);
    }

    [Fact]
    public async Task Checker_without_dirtying_reports_generation_zero()
    {
        var (_, output) = await RunAsync(Checker, "mem_mib=4", "dirty_pages_per_sec=0", "run_seconds=1");

        ConsoleLog.MemcheckOkGenerations(output).Should().NotBeEmpty().And.OnlyContain(g => g == 0);
        output.Should().MatchRegex(@"(?m)^MEMCHECK OK gen=0 passes=\d+$");
    }

    [Fact]
    public async Task Checker_reports_a_flipped_bit_as_a_checksum_failure_of_that_page()
    {
        var (_, output) = await RunAsync(Checker, "mem_mib=4", "dirty_pages_per_sec=0", "run_seconds=1", "corrupt_page=9");

        output.Should().Contain("MEMCHECK CORRUPT page=9 reason=checksum\n");
    }

    [Fact]
    public async Task Checker_reports_a_stale_page_with_a_valid_checksum_as_a_generation_failure()
    {
        // What a migration that forgot to resend a dirty page leaves behind.
        var (_, output) = await RunAsync(Checker, "mem_mib=4", "dirty_pages_per_sec=0", "run_seconds=1", "stale_page=7");

        output.Should().Contain("MEMCHECK CORRUPT page=7 reason=generation\n");
    }

    [Fact]
    public async Task Disk_mode_fills_rewrites_and_verifies_blocks_with_direct_io()
    {
        var disk = DiskFile(8);
        try
        {
            var (exit, output) = await RunAsync(Checker, "mem_mib=1", $"disk={disk}", "disk_mib=2", "disk_writes_per_sec=500", "heartbeat_ms=50", "run_seconds=1");

            exit.Should().Be(0, output);
            output.Should().Contain($"DISKCHECK START device={disk} blocks=512").And.Contain("DISKCHECK READY blocks=512").And.NotContain("CORRUPT").And.NotContain("IOERROR");
            var gens = output.Split('\n').Where(l => l.StartsWith("DISKCHECK OK gen=", StringComparison.Ordinal))
                .Select(l => long.Parse(l.Split(' ')[2]["gen=".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            gens.Should().NotBeEmpty();
            gens[^1].Should().BePositive("blocks were rewritten and verified after the rewrite");
        }
        finally
        {
            File.Delete(disk);
        }
    }

    [Fact]
    public async Task Disk_mode_reports_a_block_changed_behind_its_back()
    {
        var disk = DiskFile(8);
        try
        {
            using var checker = Process.Start(new ProcessStartInfo(Checker)
            {
                ArgumentList = { "mem_mib=1", $"disk={disk}", "disk_mib=2", "disk_writes_per_sec=0", "heartbeat_ms=50", "run_seconds=4" },
                RedirectStandardOutput = true,
            })!;
            var lines = new List<string>();
            string? line;
            while ((line = await checker.StandardOutput.ReadLineAsync()) is not null)
            {
                lines.Add(line);
                if (line.StartsWith("DISKCHECK OK", StringComparison.Ordinal) && lines.Count(l => l.StartsWith("DISKCHECK OK", StringComparison.Ordinal)) == 1)
                {
                    // What a lost write looks like: block 300 holds the contents of block 301 (an old, valid block elsewhere).
                    await using var file = new FileStream(disk, FileMode.Open, FileAccess.ReadWrite);
                    var block = new byte[4096];
                    file.Position = 301 * 4096;
                    await file.ReadExactlyAsync(block);
                    file.Position = 300 * 4096;
                    await file.WriteAsync(block);
                }
            }

            await checker.WaitForExitAsync();
            lines.Should().Contain("DISKCHECK CORRUPT block=300 reason=index");
        }
        finally
        {
            File.Delete(disk);
        }
    }

    private static string DiskFile(int mib)
    {
        // O_DIRECT needs a real file system (tmpfs refuses it): the repository's directory is one.
        var path = Path.Combine(TestEnvironment.RepoNodeAgentDir, "guest", "out", $"checker-disk-{Guid.NewGuid():N}.img");
        using var file = File.Create(path);
        file.SetLength(mib * 1024L * 1024);
        return path;
    }

    [Fact]
    public async Task Checker_rejects_a_malformed_setting_naming_it()
    {
        var (exit, output) = await RunAsync(Checker, "mem_mib=lots");

        exit.Should().Be(2);
        output.Should().Contain("CHECKER BADARG mem_mib=lots");
    }

    [Fact]
    public async Task Build_is_reproducible_and_a_second_run_is_a_no_op()
    {
        var script = Path.Combine(TestEnvironment.RepoNodeAgentDir, "guest", "build.sh");
        var outDir = TestEnvironment.NewTempDir("scgb");
        try
        {
            var first = await RunAsync("bash", script, outDir);
            var second = await RunAsync("bash", script, outDir);

            first.ExitCode.Should().Be(0, first.Output);
            first.Output.Should().Contain("guest built");
            second.Output.Should().Contain("guest up to date");
            Hash(Path.Combine(outDir, "initramfs.cpio.gz")).Should().Be(Hash(Path.Combine(GuestImage.Built, "initramfs.cpio.gz")), "the same inputs give the same bytes");
            Hash(Path.Combine(outDir, "disk.qcow2")).Should().Be(Hash(Path.Combine(GuestImage.Built, "disk.qcow2")), "the bootable disk too: fixed ids and times");
            File.Exists(Path.Combine(outDir, "vmlinuz")).Should().BeTrue();
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
