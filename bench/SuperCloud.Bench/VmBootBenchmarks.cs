extern alias nodeagent;

using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using nodeagent::SuperCloud.NodeAgent.Hypervisor;
using nodeagent::SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.Bench;

/// <summary>
/// The node agent's VM boot: time from CreateVM to the guest's first heartbeat through the QEMU driver, beside the same
/// guest booted by a bare <c>qemu-system-x86_64</c> from a shell script (no agent, no QMP), both under TCG.
/// </summary>
internal static class VmBootBenchmarks
{
    private const int Runs = 5;
    private const int MemoryMib = 128;
    private const string Cmdline = "console=ttyS0 quiet panic=-1 sc.mem_mib=8 sc.dirty_pages_per_sec=2000";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);

    // The baseline: everything the driver adds (state directory, -S, -daemonize, pid file, QMP, cont) left out.
    private const string BareBootScript = """
        #!/bin/sh
        # usage: bare-boot.sh KERNEL INITRD CMDLINE CONSOLE_FILE
        exec qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot -machine pc -accel tcg \
          -m 128 -smp 1 -kernel "$1" -initrd "$2" -append "$3" -serial "file:$4"
        """;

    /// <summary>Boots the guest 5 times each way, alternating, and prints the medians with their ratio.</summary>
    public static async Task PrintAsync(TextWriter output, CancellationToken ct)
    {
        output.WriteLine("node agent VM boot (QEMU TCG, test guest, median of 5)");
        var missing = BenchGuest.Missing();
        if (missing is not null)
        {
            output.WriteLine("  skipped: " + missing);
            return;
        }

        var (kernel, initrd) = await BenchGuest.BuildAsync(ct);
        // Unix socket paths are limited to 108 bytes, so the state directory stays short.
        var workDir = Directory.CreateTempSubdirectory("scvmb-").FullName;
        try
        {
            var script = Path.Combine(workDir, "bare-boot.sh");
            await File.WriteAllTextAsync(script, BareBootScript.ReplaceLineEndings("\n") + "\n", ct);
            var options = new QemuDriverOptions { StateDirectory = Path.Combine(workDir, "vms"), Accelerator = "tcg" };
            await using var registry = await BenchRegistry.StartAsync(ct);
            using var images = registry.NewCache(Path.Combine(workDir, "images"));
            await images.PullAsync(registry.Kernel, null, ct);
            var driver = await QemuDriver.OpenAsync(options, images, TimeProvider.System, NullLogger<QemuDriver>.Instance, ct);
            await using (driver)
            {
                var agent = new List<double>();
                var bare = new List<double>();
                // Alternating spreads any drift of the (shared) host over both series alike.
                for (var i = 0; i < Runs; i++)
                {
                    agent.Add(await DriverBootAsync(driver, registry.Kernel, $"bench-{i}", ct));
                    bare.Add(await BareBootAsync(script, kernel, initrd, Path.Combine(workDir, $"bare-{i}.log"), ct));
                }

                Report.Print(
                [
                    new Figure("CreateVM -> first HEARTBEAT (median of 5)", Median(agent), Median(bare), "ms",
                        "bare qemu-system-x86_64 from a shell script", HigherIsBetter: false, GC.GetTotalMemory(false)),
                ], output);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  runs (ms): agent {string.Join(" ", agent.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))}; bare {string.Join(" ", bare.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))}"));
            }
        }
        finally
        {
            Directory.Delete(workDir, recursive: true);
        }
    }

    private static async Task<double> DriverBootAsync(QemuDriver driver, SuperCloud.Images.ImageSource image, string id, CancellationToken ct)
    {
        var spec = new VmSpec(id, 1, MemoryMib, new VmBoot(image, Cmdline), []);
        var clock = Stopwatch.StartNew();
        await driver.CreateAsync(spec, ct);
        try
        {
            await driver.StartAsync(id, ct);
            while (!(await driver.ReadConsoleTailAsync(id, 4096, ct)).Contains("HEARTBEAT ", StringComparison.Ordinal))
            {
                ThrowIfLate(clock, id);
                await Task.Delay(10, ct);
            }

            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            await driver.DeleteAsync(id, ct);
        }
    }

    private static async Task<double> BareBootAsync(string script, string kernel, string initrd, string console, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo("sh") { ArgumentList = { script, kernel, initrd, Cmdline, console }, RedirectStandardError = true })
            ?? throw new InvalidOperationException("cannot run sh");
        try
        {
            while (!ConsoleHasHeartbeat(console))
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"bare QEMU exited with code {process.ExitCode}: {await process.StandardError.ReadToEndAsync(ct)}");
                }

                ThrowIfLate(clock, "bare");
                await Task.Delay(10, ct);
            }

            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync(ct);
        }
    }

    private static bool ConsoleHasHeartbeat(string console) => BenchGuest.ReadConsole(console).Contains("HEARTBEAT ", StringComparison.Ordinal);

    private static void ThrowIfLate(Stopwatch clock, string what)
    {
        if (clock.Elapsed > BootTimeout)
        {
            throw new TimeoutException($"{what}: no HEARTBEAT on the console within {BootTimeout.TotalSeconds} s");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
