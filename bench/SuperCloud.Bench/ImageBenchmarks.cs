extern alias nodeagent;

using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using nodeagent::SuperCloud.NodeAgent.Hypervisor;
using nodeagent::SuperCloud.NodeAgent.Hypervisor.Qemu;
using V1 = nodeagent::SuperCloud.Agent.V1;

namespace SuperCloud.Bench;

/// <summary>
/// Images and disks: a VM started from an image the host must first pull (verified into its cache) beside one started
/// from the cache; a disk mirrored through two agents (mutual TLS relay, framed and digested) beside <c>qemu-img convert</c>
/// writing the same disk straight into an NBD export; and, on the lab, the cross-cloud migration of a guest with a 1 GiB
/// disk under a tbf cap beside the physics floor.
/// </summary>
internal static class ImageBenchmarks
{
    private const int Runs = 3;
    private const int DiskDataMib = 256;
    private const string Cmdline = "console=ttyS0 quiet panic=-1 sc.mem_mib=8 sc.dirty_pages_per_sec=2000";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static async Task PrintAsync(string workDir, TextWriter output, CancellationToken ct)
    {
        output.WriteLine();
        output.WriteLine("images and disks (the test guest in a real docker-registry; QEMU TCG)");
        if (BenchGuest.Missing() is { } missing)
        {
            output.WriteLine("  skipped: " + missing);
            return;
        }

        var dir = Directory.CreateTempSubdirectory("scimgb-").FullName;
        try
        {
            await using var registry = await BenchRegistry.StartAsync(ct);
            var (first, cached) = await StartTimesAsync(registry, dir, ct);
            var (relayed, direct) = await MirrorThroughputsAsync(registry, dir, ct);
            var guest = await SuperCloud.Lab.Registry.GuestImages.BuildAsync(ct);
            var size = new FileInfo(Path.Combine(guest, "initramfs.cpio.gz")).Length + new FileInfo(Path.Combine(guest, "vmlinuz")).Length;
            Report.Print(
            [
                new Figure($"CreateVM with a first pull ({size / 1048576.0:0.0} MiB, verified)", Median(first.Select(f => f.Created)), Median(cached.Select(c => c.Created)), "ms",
                    "CreateVM with the image in the host's cache", HigherIsBetter: false, GC.GetTotalMemory(false)),
                new Figure("first pull: CreateVM -> first HEARTBEAT", Median(first.Select(f => f.Heartbeat)), Median(cached.Select(c => c.Heartbeat)), "ms",
                    "the same start from the host's cache", HigherIsBetter: false, GC.GetTotalMemory(false)),
                new Figure($"disk mirror through the agents ({DiskDataMib} MiB)", relayed, direct, "MiB/s",
                    "qemu-img convert into qemu-nbd over a Unix socket", HigherIsBetter: true, GC.GetTotalMemory(false)),
            ], output);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  medians of {Runs}; to HEARTBEAT (ms): first pull {string.Join(" ", first.Select(v => v.Heartbeat.ToString("0", CultureInfo.InvariantCulture)))}; cached {string.Join(" ", cached.Select(v => v.Heartbeat.ToString("0", CultureInfo.InvariantCulture)))} (TCG boot time dominates and varies with the host's load)"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        await CappedMigrationBenchmarks.PrintAsync(workDir, output, ct, withDisk: true);
    }

    // Each first start gets a new, empty cache; each cached start the cache the first one filled. Alternating spreads
    // any drift of the shared host over both series alike.
    private static async Task<(List<(double Created, double Heartbeat)> First, List<(double Created, double Heartbeat)> Cached)> StartTimesAsync(
        BenchRegistry registry, string dir, CancellationToken ct)
    {
        var first = new List<(double, double)>();
        var cached = new List<(double, double)>();
        for (var i = 0; i < Runs; i++)
        {
            using var images = registry.NewCache(Path.Combine(dir, $"cache-{i}"));
            await using var driver = await QemuDriver.OpenAsync(new QemuDriverOptions { StateDirectory = Path.Combine(dir, $"vms-{i}") }, images, TimeProvider.System, NullLogger<QemuDriver>.Instance, ct);
            first.Add(await StartAsync(driver, registry, $"first-{i}", ct));
            cached.Add(await StartAsync(driver, registry, $"cached-{i}", ct));
        }

        return (first, cached);
    }

    private static async Task<(double Created, double Heartbeat)> StartAsync(QemuDriver driver, BenchRegistry registry, string id, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await driver.CreateAsync(new VmSpec(id, 1, 128, new VmBoot(registry.Kernel, Cmdline), []), ct);
        var created = clock.Elapsed.TotalMilliseconds;
        try
        {
            await driver.StartAsync(id, ct);
            while (!(await driver.ReadConsoleTailAsync(id, 4096, ct)).Contains("HEARTBEAT ", StringComparison.Ordinal))
            {
                if (clock.Elapsed > Timeout)
                {
                    throw new TimeoutException($"VM {id} printed no heartbeat within {Timeout.TotalSeconds} s");
                }

                await Task.Delay(10, ct);
            }

            return (created, clock.Elapsed.TotalMilliseconds);
        }
        finally
        {
            await driver.DeleteAsync(id, ct);
        }
    }

    // The same data — DiskDataMib MiB written into a 1 GiB qcow2 — mirrored by the source agent's QEMU through the
    // agents into the target's export, and converted by qemu-img straight into an NBD server.
    private static async Task<(double Relayed, double Direct)> MirrorThroughputsAsync(BenchRegistry registry, string dir, CancellationToken ct)
    {
        await using var pair = await MigrationBenchmarks.AgentPair.StartAsync(Path.Combine(dir, "agents"), registry, ct);
        var spec = new V1.VmSpec
        {
            Id = "mirror", Vcpus = 1, MemoryMib = 128,
            Boot = new V1.Boot { Image = new V1.ImageReference { Repository = registry.Kernel.Name, Digest = registry.Kernel.Digest.ToString() }, Cmdline = Cmdline },
        };
        spec.Disks.Add(new V1.Disk { Name = "data", SizeBytes = 1L << 30 });
        // The copy on the source runs under epoch 1; the target's under epoch 2, as the operator would hand them out.
        await pair.Source.CreateVmAsync(new V1.CreateVmRequest { Spec = spec, Epoch = 1 }, cancellationToken: ct);
        var overlay = Path.Combine(pair.SourceVms, "mirror", "disk-data.qcow2");
        await RunAsync("qemu-io", ["-f", "qcow2", "-c", $"write -P 0x5a 0 {DiskDataMib}M", overlay], ct);
        var copy = Path.Combine(dir, "source.qcow2");
        File.Copy(overlay, copy);
        await pair.Source.StartVmAsync(new V1.VmRequest { Id = "mirror", Epoch = 1 }, cancellationToken: ct);

        var token = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32));
        var options = new V1.MigrationOptions { MaxDowntimeMs = 300 };
        await pair.Target.PrepareMigrationTargetAsync(new V1.PrepareMigrationTargetRequest { MigrationId = "mirror", Token = token, Spec = spec, SourceNode = "bench-a", Options = options, Epoch = 2 }, cancellationToken: ct);
        var clock = Stopwatch.StartNew();
        await pair.Source.StartMigrationSourceAsync(new V1.StartMigrationSourceRequest
        {
            MigrationId = "mirror", VmId = "mirror", Token = token, TargetNode = "bench-b", TargetEndpoint = pair.TargetEndpoint, Options = options,
            SourceEpoch = 1, TargetEpoch = 2,
        }, cancellationToken: ct);
        V1.MigrationStatus status;
        do
        {
            await Task.Delay(20, ct);
            status = await pair.Source.GetMigrationAsync(new V1.MigrationRequest { MigrationId = "mirror", VmId = "mirror" }, cancellationToken: ct);
            if (status.Phase is V1.MigrationPhase.Failed or V1.MigrationPhase.Cancelled || clock.Elapsed > Timeout)
            {
                throw new InvalidOperationException($"the disk mirror did not finish: {status.Phase} {status.Message}");
            }
        }
        while (status.DiskBytesTransferred < (long)DiskDataMib << 20 || status.DiskBytesRemaining > 0);

        var relayed = status.DiskBytesTransferred / 1048576.0 / clock.Elapsed.TotalSeconds;
        await pair.Source.CancelMigrationAsync(new V1.MigrationRequest { MigrationId = "mirror", VmId = "mirror" }, cancellationToken: ct);
        await pair.Target.CancelMigrationAsync(new V1.MigrationRequest { MigrationId = "mirror", VmId = "mirror" }, cancellationToken: ct);
        await pair.Source.DeleteVmAsync(new V1.VmRequest { Id = "mirror" }, cancellationToken: ct);

        var target = Path.Combine(dir, "target.qcow2");
        await RunAsync("qemu-img", ["create", "-q", "-f", "qcow2", target, "1G"], ct);
        var socket = Path.Combine(dir, "nbd.sock");
        using var server = Process.Start(new ProcessStartInfo("qemu-nbd") { ArgumentList = { "--socket", socket, "--format", "qcow2", "--persistent", target }, RedirectStandardError = true })!;
        try
        {
            while (!File.Exists(socket))
            {
                await Task.Delay(10, ct);
            }

            clock.Restart();
            await RunAsync("qemu-img", ["convert", "-n", "-f", "qcow2", "-O", "raw", copy, $"nbd+unix:///?socket={socket}"], ct);
            var direct = DiskDataMib / clock.Elapsed.TotalSeconds;
            return (relayed, direct);
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static async Task RunAsync(string file, string[] args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot run {file}");
        var stderr = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {stderr}");
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
