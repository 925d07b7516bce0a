using System.Diagnostics;
using System.Globalization;
using k8s;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Lab.Registry;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Bench;

/// <summary>
/// A cross-cloud live migration on the lab, the whole product in the loop: <c>supercloud-lab up</c> with one host in
/// aws-us-east-1 and one on-prem, the link into the on-prem cloud capped with tc tbf, a SuperPod moved there by a
/// SuperPodMigration. Its total time is set beside the physics floor, the bytes QEMU sent divided by the link's rate.
/// </summary>
internal static class CappedMigrationBenchmarks
{
    private const string Rate = "80mbit";
    private const double RateBytesPerSecond = 80e6 / 8;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs the migration and prints its figure; <paramref name="withDisk"/> gives the guest a 1 GiB data disk it writes 64 MiB of.</summary>
    public static async Task PrintAsync(string workDir, TextWriter output, CancellationToken ct, bool withDisk = false)
    {
        output.WriteLine();
        output.WriteLine($"cross-cloud live migration on the lab (aws-us-east-1 -> onprem, link capped at {Rate} with tc tbf), operator and agents included"
            + (withDisk ? "; the guest has a 1 GiB qcow2 disk (64 MiB written), mirrored before its memory" : ""));
        var missing = BenchGuest.Missing() ?? (Environment.UserName == "root" ? null : "the lab needs root (network namespaces)");
        if (missing is not null)
        {
            output.WriteLine("  skipped: " + missing);
            return;
        }

        await BenchGuest.BuildAsync(ct);
        var dataDir = Path.Combine(workDir, withDisk ? "capped-disk-lab" : "capped-lab");
        using var up = LabUpProcess.Start(dataDir, "aws-us-east-1:1,onprem:1", ct);
        try
        {
            await UntilAsync(() => File.Exists(Path.Combine(dataDir, "ready")), "the lab is ready", () => up.HasExited, ct);
            await LabAsync(["link", "--data-dir", dataDir, "--cloud", "onprem", "--rate", Rate], ct);
            var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Path.Combine(dataDir, "kubeconfig")));
            var pods = new ResourceClient<SuperPod>(client);
            var migrations = new ResourceClient<SuperPodMigration>(client);
            var pod = await pods.CreateAsync(Guest(withDisk), ct);
            var key = new ObjectKey("default", pod.Metadata.Name);
            SuperPod? running = null;
            await UntilAsync(
                () => (running = pods.GetAsync(key, ct).GetAwaiter().GetResult()) is { Status.Phase: SuperPodPhase.Running } r
                    && BenchGuest.ReadConsole(Path.Combine(dataDir, "hosts", r.Status.Node!, "vms", pod.Metadata.Uid, "console.log")).Contains(withDisk ? "DISKCHECK OK" : "MEMCHECK OK", StringComparison.Ordinal),
                "the guest runs and wrote its memory", () => up.HasExited, ct);
            // Booted in aws (it would pick the cheaper on-prem host otherwise), then allowed on-prem too, and moved there.
            await pods.PatchAsync(key, """{"spec":{"placement":{"clouds":["aws","onprem"]}}}""", ResourceClient<SuperPod>.MergePatch, null, ct);
            await migrations.CreateAsync(new SuperPodMigration
            {
                Metadata = new V1ObjectMeta { Name = "to-onprem", NamespaceProperty = "default" },
                Spec = new SuperPodMigrationSpec { SuperPod = pod.Metadata.Name, Target = new MigrationTarget { Cloud = CloudProvider.OnPrem } },
            }, ct);
            SuperPodMigration? done = null;
            await UntilAsync(
                () => (done = migrations.GetAsync(new ObjectKey("default", "to-onprem"), ct).GetAwaiter().GetResult())?.Status?.Phase
                    is MigrationPhase.Succeeded or MigrationPhase.Failed or MigrationPhase.Cancelled,
                "the migration finished", () => up.HasExited, ct);
            var status = done!.Status!;
            if (status.Phase != MigrationPhase.Succeeded)
            {
                output.WriteLine($"  the migration {status.Phase}: {status.FailureReason}: {status.Message}");
                return;
            }

            var total = DateTime.SpecifyKind(status.CompletionTime!.Value, DateTimeKind.Utc) - DateTime.SpecifyKind(status.StartTime!.Value, DateTimeKind.Utc);
            var bytes = status.Progress?.BytesSent ?? 0;
            var floor = bytes / RateBytesPerSecond;
            Report.Print(
            [
                new Figure($"{running!.Status!.Node} -> {status.Target?.Node}{(withDisk ? " with its disk" : "")}: total time", total.TotalSeconds, floor, "s",
                    $"bytes sent / link rate ({bytes / 1048576.0:0.0} MiB{(withDisk ? ", disk and memory," : "")} at {Rate})", HigherIsBetter: false, GC.GetTotalMemory(false)),
            ], output);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  downtime {status.Downtime}; the operator's steps before the transfer are included in the total time"));
        }
        finally
        {
            await LabAsync(["down", "--data-dir", dataDir], CancellationToken.None);
            if (!up.HasExited)
            {
                up.Kill(entireProcessTree: true);
            }
        }
    }

    // The lab's registries hold the test guest (supercloud-lab up pushes it): the unqualified name is the lab's default.
    private static SuperPod Guest(bool withDisk) => new()
    {
        Metadata = new V1ObjectMeta { Name = "capped", NamespaceProperty = "default" },
        Spec = new SuperPodSpec
        {
            Resources = new SuperPodResources { Cpu = new ResourceQuantity("1"), Memory = new ResourceQuantity("256Mi") },
            Boot = new BootSource
            {
                Image = $"{GuestImages.Repository}:{GuestImages.Tag}",
                Cmdline = "console=ttyS0 quiet panic=-1 sc.mem_mib=128 sc.dirty_pages_per_sec=1000" + (withDisk ? " sc.disk=data sc.disk_mib=64 sc.disk_writes_per_sec=100" : ""),
            },
            Disks = withDisk ? [new SuperPodDisk { Name = "data", Size = new ResourceQuantity("1Gi") }] : null,
            Placement = new Placement { Clouds = [CloudProvider.Aws] },
            RunStrategy = RunStrategy.Always,
        },
    };

    private static async Task LabAsync(string[] args, CancellationToken ct)
    {
        var start = new ProcessStartInfo(RepoPaths.LabCli) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot run supercloud-lab");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"supercloud-lab {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}");
        }
    }

    private static async Task UntilAsync(Func<bool> condition, string what, Func<bool> gaveUp, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (gaveUp() || clock.Elapsed > Timeout)
            {
                throw new TimeoutException($"{what}: not within {Timeout.TotalMinutes} min");
            }

            await Task.Delay(100, ct);
        }
    }
}
