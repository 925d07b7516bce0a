extern alias nodeagent;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using nodeagent::SuperCloud.NodeAgent;
using nodeagent::SuperCloud.NodeAgent.Hypervisor.Qemu;
using nodeagent::SuperCloud.NodeAgent.Migration;
using nodeagent::SuperCloud.NodeAgent.Qmp;
using nodeagent::SuperCloud.NodeAgent.Security;
using SuperCloud.Agent.Contracts.Security;
using V1 = nodeagent::SuperCloud.Agent.V1;

namespace SuperCloud.Bench;

/// <summary>
/// Live migration of one 512 MiB guest at three dirty rates, (a) QEMU to QEMU directly over TCP — the baseline, the
/// fastest QEMU can move it here — and (b) through two node agents: the VM's state crosses a mutual-TLS connection
/// between the agents through the native shim pump, with the agents' switch-over. Both on loopback, same QEMU
/// settings (return path, 300 ms downtime limit, no bandwidth limit). Total time is from the migrate call to the guest
/// running on the target; downtime from the source's STOP event to the target's RESUME event (QEMU's own timestamps).
/// </summary>
internal static class MigrationBenchmarks
{
    private const int MemoryMib = 512;
    private const int CheckerMib = 256;
    private const int DowntimeLimitMs = 300;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly (string Name, int PagesPerSecond)[] DirtyRates = [("idle", 0), ("20 MiB/s", 5_000), ("100 MiB/s", 25_000)];

    public static async Task PrintAsync(TextWriter output, CancellationToken ct)
    {
        output.WriteLine();
        output.WriteLine($"live migration of a {MemoryMib} MiB guest ({CheckerMib} MiB written by its checker), through the agents vs QEMU to QEMU directly");
        if (BenchGuest.Missing() is { } missing)
        {
            output.WriteLine("  skipped: " + missing);
            return;
        }

        var (kernel, initrd) = await BenchGuest.BuildAsync(ct);
        var workDir = Directory.CreateTempSubdirectory("scmb-").FullName;
        try
        {
            await using var registry = await BenchRegistry.StartAsync(ct);
            await using var pair = await AgentPair.StartAsync(workDir, registry, ct);
            var figures = new List<Figure>();
            var details = new List<string>();
            // One unmeasured migration first: the agents' code is JIT-compiled on its first run (a tenth of the CPU of
            // that migration), which QEMU to QEMU never pays.
            await pair.MigrateAsync(registry.Kernel, string.Create(CultureInfo.InvariantCulture, $"console=ttyS0 quiet panic=-1 sc.mem_mib={CheckerMib} sc.dirty_pages_per_sec=0"), "bench-warmup", ct);
            foreach (var (name, rate) in DirtyRates)
            {
                var cmdline = string.Create(CultureInfo.InvariantCulture, $"console=ttyS0 quiet panic=-1 sc.mem_mib={CheckerMib} sc.dirty_pages_per_sec={rate}");
                var direct = await DirectAsync(kernel, initrd, cmdline, Path.Combine(workDir, $"direct-{rate}"), ct);
                var agents = await pair.MigrateAsync(registry.Kernel, cmdline, $"bench-{rate}", ct);
                var memory = GC.GetTotalMemory(false);
                figures.Add(new Figure($"{name}: total time", agents.Total.TotalMilliseconds, direct.Total.TotalMilliseconds, "ms", "QEMU to QEMU over TCP", false, memory));
                figures.Add(new Figure($"{name}: downtime", agents.Downtime.TotalMilliseconds, direct.Downtime.TotalMilliseconds, "ms", "QEMU to QEMU over TCP", false, memory));
                figures.Add(new Figure($"{name}: bytes sent", agents.Bytes / 1048576.0, direct.Bytes / 1048576.0, "MiB", "QEMU to QEMU over TCP", false, memory));
                details.Add(string.Create(CultureInfo.InvariantCulture,
                    $"  {name}: downtime through the agents - direct = {(agents.Downtime - direct.Downtime).TotalMilliseconds:+0;-0} ms; QEMU's own downtime {agents.QemuDowntime.TotalMilliseconds:0} vs {direct.QemuDowntime.TotalMilliseconds:0} ms; framed bytes on the wire {agents.WireBytes / 1048576.0:0.0} MiB; pre-copy until the pause {agents.UntilStop.TotalMilliseconds:0} vs {direct.UntilStop.TotalMilliseconds:0} ms in {agents.Iterations} vs {direct.Iterations} iterations"));
            }

            Report.Print(figures, output);
            foreach (var line in details)
            {
                output.WriteLine(line);
            }
        }
        finally
        {
            await KillLeftoversAsync(workDir);
            Directory.Delete(workDir, recursive: true);
        }
    }

    // The baseline: two QEMUs, the target listening on TCP, migrated by QMP commands alone.
    private static async Task<Result> DirectAsync(string kernel, string initrd, string cmdline, string dir, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        await using var source = await BareQemu.StartAsync(Path.Combine(dir, "src"), kernel, initrd, cmdline, incoming: false, ct);
        await source.ExecuteAsync("cont", null, ct);
        await UntilAsync(() => BenchGuest.ReadConsole(source.Console).Contains("MEMCHECK OK", StringComparison.Ordinal), "the source guest filled its memory", ct);
        await using var target = await BareQemu.StartAsync(Path.Combine(dir, "dst"), kernel, initrd, cmdline, incoming: true, ct);
        foreach (var qemu in new[] { source, target })
        {
            await qemu.ExecuteAsync("migrate-set-capabilities", new JsonObject
            {
                ["capabilities"] = new JsonArray(Capability("events"), Capability("return-path")),
            }, ct);
        }

        var port = FreePort();
        await target.ExecuteAsync("migrate-incoming", new JsonObject { ["uri"] = $"tcp:127.0.0.1:{port}" }, ct);
        await source.ExecuteAsync("migrate-set-parameters", new JsonObject { ["downtime-limit"] = DowntimeLimitMs, ["max-bandwidth"] = 1L << 40 }, ct);
        using var sourceEvents = source.Qmp.SubscribeEvents();
        using var targetEvents = target.Qmp.SubscribeEvents();
        var started = DateTimeOffset.UtcNow;
        await source.ExecuteAsync("migrate", new JsonObject { ["uri"] = $"tcp:127.0.0.1:{port}" }, ct);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(Timeout);
        var resumed = await targetEvents.WaitForAsync("RESUME", wait.Token);
        var stopped = await sourceEvents.WaitForAsync("STOP", wait.Token);
        JsonNode? info;
        do
        {
            info = JsonNode.Parse((await source.ExecuteAsync("query-migrate", null, ct)).GetRawText());
        }
        while (info?["status"]?.GetValue<string>() != "completed" && !wait.IsCancellationRequested);

        return new Result(
            resumed.Timestamp - started,
            resumed.Timestamp - stopped.Timestamp,
            info?["ram"]?["transferred"]?.GetValue<long>() ?? 0,
            TimeSpan.FromMilliseconds(info?["downtime"]?.GetValue<long>() ?? 0),
            0,
            stopped.Timestamp - started,
            info?["ram"]?["dirty-sync-count"]?.GetValue<long>() ?? 0);
    }

    private static JsonObject Capability(string name) => new() { ["capability"] = name, ["state"] = true };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task UntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Timeout)
            {
                throw new TimeoutException($"{what}: not within {Timeout.TotalSeconds} s");
            }

            await Task.Delay(20, ct);
        }
    }

    private static async Task KillLeftoversAsync(string workDir)
    {
        foreach (var pidFile in Directory.EnumerateFiles(workDir, "qemu.pid", SearchOption.AllDirectories))
        {
            if (int.TryParse(await File.ReadAllTextAsync(pidFile), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    Process.GetProcessById(pid).Kill();
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
            }
        }
    }

    /// <summary>One migration's figures.</summary>
    // UntilStop: from the start to the source's pause (pre-copy); Iterations: QEMU's dirty-bitmap syncs.
    internal sealed record Result(TimeSpan Total, TimeSpan Downtime, long Bytes, TimeSpan QemuDowntime, long WireBytes, TimeSpan UntilStop, long Iterations);

    /// <summary>A QEMU process started the plain way (no agent), with its QMP connection.</summary>
    private sealed class BareQemu(string directory, QmpClient qmp) : IAsyncDisposable
    {
        public QmpClient Qmp { get; } = qmp;

        public string Console => Path.Combine(directory, "console.log");

        public static async Task<BareQemu> StartAsync(string directory, string kernel, string initrd, string cmdline, bool incoming, CancellationToken ct)
        {
            Directory.CreateDirectory(directory);
            var psi = new ProcessStartInfo("qemu-system-x86_64") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in (string[])[
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-machine", "pc", "-accel", "tcg",
                "-m", MemoryMib.ToString(CultureInfo.InvariantCulture), "-smp", "1", "-kernel", kernel, "-initrd", initrd, "-append", cmdline,
                "-serial", $"file:{Path.Combine(directory, "console.log")}", "-qmp", $"unix:{Path.Combine(directory, "qmp.sock")},server=on,wait=off",
                "-pidfile", Path.Combine(directory, "qemu.pid"), "-daemonize", .. incoming ? (string[])["-incoming", "defer"] : ["-S"]])
            {
                psi.ArgumentList.Add(arg);
            }

            using (var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot run qemu-system-x86_64"))
            {
                await process.WaitForExitAsync(ct);
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"QEMU failed: {await process.StandardError.ReadToEndAsync(ct)}");
                }
            }

            var qmp = await QmpClient.ConnectAsync(Path.Combine(directory, "qmp.sock"), TimeProvider.System, TimeSpan.FromSeconds(10), ct);
            return new BareQemu(directory, qmp);
        }

        public Task<System.Text.Json.JsonElement> ExecuteAsync(string command, JsonObject? arguments, CancellationToken ct) =>
            Qmp.ExecuteAsync(command, arguments, TimeSpan.FromSeconds(30), ct);

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Qmp.ExecuteAsync("quit", null, TimeSpan.FromSeconds(5), CancellationToken.None);
            }
            catch (QmpException)
            {
                // It exits either way; the pid file is the fallback.
            }

            await Qmp.DisposeAsync();
        }
    }

    /// <summary>Two real node agents on loopback, one cluster CA, the operator's client certificate.</summary>
    internal sealed class AgentPair : IAsyncDisposable
    {
        private readonly List<(WebApplication App, GrpcChannel Channel)> _agents = [];
        private readonly List<SuperCloud.Images.ImageCache> _images = [];
        private readonly CertificateAuthority _ca = CertificateAuthority.Create("bench-cluster-ca", TimeSpan.FromDays(1), TimeProvider.System);

        private AgentPair()
        {
        }

        public V1.NodeAgent.NodeAgentClient Source { get; private set; } = null!;

        public V1.NodeAgent.NodeAgentClient Target { get; private set; } = null!;

        public string TargetEndpoint { get; private set; } = "";

        /// <summary>The source agent's VM directory (where each VM's disks are).</summary>
        public string SourceVms { get; private set; } = "";

        public static async Task<AgentPair> StartAsync(string workDir, BenchRegistry registry, CancellationToken ct)
        {
            var pair = new AgentPair();
            var validity = TimeSpan.FromDays(1);
            var ca = pair._ca;
            var operatorCertificate = ca.IssueClient(PeerIdentity.Operator, validity);
            foreach (var name in (string[])["bench-a", "bench-b"])
            {
                var dir = Path.Combine(workDir, name);
                var images = registry.NewCache(Path.Combine(dir, "images"));
                pair._images.Add(images);
                var driver = await QemuDriver.OpenAsync(new QemuDriverOptions { StateDirectory = Path.Combine(dir, "vms") }, images, TimeProvider.System, NullLogger<QemuDriver>.Instance, ct);
                var app = AgentServer.Build(
                    new NodeAgentOptions { NodeName = name, ListenAddress = "127.0.0.1", Port = 0, ReservedMemoryMib = 128 },
                    new AgentCredentials(
                        TlsCredentials.FromCertificates(ca.IssueServer(name, [name], [IPAddress.Loopback], validity), ca.Certificate),
                        TlsCredentials.FromCertificates(ca.IssueClient(PeerIdentity.Node(name), validity), ca.Certificate)),
                    driver, images, TimeProvider.System,
                    b => b.Logging.ClearProviders(), new MigrationOptions { SocketDirectory = Path.Combine(dir, "s") });
                await app.StartAsync(ct);
                var port = AgentServer.ListeningAddress(app).Port;
                var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions
                {
                    HttpHandler = new SocketsHttpHandler
                    {
                        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
                        {
                            ClientCertificates = [operatorCertificate],
                            // Loopback to agents this process just started with certificates it just issued.
                            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null,
                        },
                    },
                    DisposeHttpClient = true,
                });
                pair._agents.Add((app, channel));
                if (name == "bench-a")
                {
                    pair.Source = new V1.NodeAgent.NodeAgentClient(channel);
                    pair.SourceVms = Path.Combine(dir, "vms");
                }
                else
                {
                    pair.Target = new V1.NodeAgent.NodeAgentClient(channel);
                    pair.TargetEndpoint = $"127.0.0.1:{port}";
                }
            }

            return pair;
        }

        public async Task<Result> MigrateAsync(SuperCloud.Images.ImageSource image, string cmdline, string vmId, CancellationToken ct)
        {
            var reference = new V1.ImageReference { Repository = image.Name, Digest = image.Digest.ToString() };
            var spec = new V1.VmSpec { Id = vmId, Vcpus = 1, MemoryMib = MemoryMib, Boot = new V1.Boot { Image = reference, Cmdline = cmdline } };
            // The copy on the source runs under epoch 1; the target's under epoch 2, as the operator would hand them out.
            await Source.CreateVmAsync(new V1.CreateVmRequest { Spec = spec, Epoch = 1 }, cancellationToken: ct);
            try
            {
                await Source.StartVmAsync(new V1.VmRequest { Id = vmId, Epoch = 1 }, cancellationToken: ct);
                await UntilAsync(
                    () => Source.GetConsoleLog(new V1.GetConsoleLogRequest { Id = vmId }, cancellationToken: ct).Text.Contains("MEMCHECK OK", StringComparison.Ordinal),
                    "the source guest filled its memory", ct);
                var token = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32));
                var options = new V1.MigrationOptions { MaxDowntimeMs = DowntimeLimitMs };
                await Target.PrepareMigrationTargetAsync(new V1.PrepareMigrationTargetRequest { MigrationId = vmId, Token = token, Spec = spec, SourceNode = "bench-a", Options = options, Epoch = 2 }, cancellationToken: ct);
                var started = DateTimeOffset.UtcNow;
                await Source.StartMigrationSourceAsync(new V1.StartMigrationSourceRequest
                {
                    MigrationId = vmId, VmId = vmId, Token = token, TargetNode = "bench-b", TargetEndpoint = TargetEndpoint, Options = options,
                    SourceEpoch = 1, TargetEpoch = 2,
                }, cancellationToken: ct);
                V1.MigrationStatus source = null!;
                await UntilAsync(
                    () => (source = Source.GetMigration(new V1.MigrationRequest { MigrationId = vmId, VmId = vmId }, cancellationToken: ct)).Phase
                        is V1.MigrationPhase.Switched or V1.MigrationPhase.Failed or V1.MigrationPhase.Cancelled,
                    "the migration through the agents finished", ct);
                if (source.Phase != V1.MigrationPhase.Switched)
                {
                    throw new InvalidOperationException($"migration through the agents {source.Phase}: {source.FailureReason}: {source.Message}");
                }

                var target = await Target.GetMigrationAsync(new V1.MigrationRequest { MigrationId = vmId, VmId = vmId }, cancellationToken: ct);
                var resumed = target.TargetResumedAt.ToDateTimeOffset();
                var stopped = source.SourceStoppedAt.ToDateTimeOffset();
                return new Result(resumed - started, resumed - stopped, source.BytesTransferred,
                    TimeSpan.FromMilliseconds(source.HypervisorDowntimeMs), source.StreamWireBytes, stopped - started, source.Iterations);
            }
            finally
            {
                await Source.DeleteVmAsync(new V1.VmRequest { Id = vmId }, cancellationToken: ct);
                if ((await Target.ListVmsAsync(new V1.ListVmsRequest(), cancellationToken: ct)).Vms.Any(v => v.Id == vmId))
                {
                    await Target.DeleteVmAsync(new V1.VmRequest { Id = vmId }, cancellationToken: ct);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var (app, channel) in _agents)
            {
                channel.Dispose();
                await app.StopAsync();
                await app.DisposeAsync();
            }

            _images.ForEach(i => i.Dispose());
            _ca.Dispose();
        }
    }
}
