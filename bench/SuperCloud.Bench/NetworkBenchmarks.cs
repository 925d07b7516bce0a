extern alias nodeagent;

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using nodeagent::SuperCloud.NodeAgent.Network;
using SuperCloud.Crds.Networking;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Lab.Registry;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Bench;

/// <summary>
/// The overlay: (1) flows installed per second into a real Open vSwitch (userspace datapath) as one OpenFlow bundle of
/// 10,000 compiled flows, beside one <c>ovs-ofctl add-flow</c> per flow, and a migration's switch-over bundle into that
/// full table beside a full <c>replace-flows</c>; (2) on the lab, the longest gap of a TCP stream a client reads while
/// the SuperPod live-migrates across clouds, beside the VM's own downtime in the same migration, with the ping losses;
/// (3) the ping round trip between two SuperPods of one cloud (on two hosts) beside the round trip between those
/// hosts' own addresses.
/// </summary>
internal static partial class NetworkBenchmarks
{
    private const int BundleFlows = 10_000;
    private const int SingleFlows = 1_000;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public static async Task PrintAsync(string workDir, TextWriter output, CancellationToken ct)
    {
        output.WriteLine();
        output.WriteLine("overlay network: Open vSwitch flow installation (userspace datapath), and the overlay on the lab");
        var missing = Environment.UserName != "root" ? "needs root (network namespaces, Open vSwitch)"
            : !File.Exists("/usr/sbin/ovs-vswitchd") ? "Open vSwitch is not installed" : BenchGuest.Missing();
        if (missing is not null)
        {
            output.WriteLine("  skipped: " + missing);
            return;
        }

        Report.Print(await FlowFiguresAsync(ct), output);
        await LabFiguresAsync(workDir, output, ct);
    }

    private static async Task<List<Figure>> FlowFiguresAsync(CancellationToken ct)
    {
        var ns = "scbench-" + Guid.NewGuid().ToString("N")[..6];
        var dir = Path.Combine("/tmp", ns);
        Directory.CreateDirectory(dir);
        var options = new NetworkOptions { OvsRunDirectory = dir };
        using var ovs = new OvsCommands(options);
        try
        {
            await RunAsync(ct, "ip", "netns", "add", ns);
            await RunAsync(ct, "ovsdb-tool", "create", Path.Combine(dir, "conf.db"), "/usr/share/openvswitch/vswitch.ovsschema");
            await RunAsync(ct, "ip", "netns", "exec", ns, "env", $"OVS_RUNDIR={dir}", "ovsdb-server", Path.Combine(dir, "conf.db"), $"--remote=punix:{dir}/db.sock",
                $"--pidfile={dir}/ovsdb-server.pid", $"--log-file={dir}/ovsdb-server.log", "--detach");
            await RunAsync(ct, "ovs-vsctl", $"--db=unix:{dir}/db.sock", "--no-wait", "init");
            await RunAsync(ct, "ip", "netns", "exec", ns, "env", $"OVS_RUNDIR={dir}", "ovs-vswitchd", $"unix:{dir}/db.sock",
                $"--pidfile={dir}/ovs-vswitchd.pid", $"--log-file={dir}/ovs-vswitchd.log", "--detach");
            await RunAsync(ct, "ovs-vsctl", $"--db=unix:{dir}/db.sock", "add-br", "br-int", "--", "set", "bridge", "br-int", "datapath_type=netdev", "fail_mode=secure",
                "--", "add-port", "br-int", "vxlan0", "--", "set", "interface", "vxlan0", "type=vxlan", "options:remote_ip=flow", "options:key=flow", "ofport_request=1",
                "--", "add-port", "br-int", "sc-gw", "--", "set", "interface", "sc-gw", "type=internal", "ofport_request=2");

            // The real compiler's output for an overlay of 2,000 interfaces on 20 other hosts: 10,000 of its flows.
            var state = SyntheticOverlay(2_000, 20);
            var flows = FlowCompiler.Compile(state, "local", [], PortOverrides.None, "1", "2").Take(BundleFlows).ToList();

            var clock = Stopwatch.StartNew();
            var bundle = await ovs.OfctlAsync(["--bundle", "add-flows", "br-int", "-"], string.Join('\n', flows) + "\n", ct);
            var bundleSeconds = clock.Elapsed.TotalSeconds;
            Check(bundle, "the bundle of 10,000 flows");
            await ExpectFlowsAsync(ovs, BundleFlows, ct);

            // A switch-over into the full table: one VM's flows, as a diff bundle through a started ovs-ofctl and as a full replace.
            var moved = FlowCompiler.Compile(state, "local", [], PortOverrides.None.Forward(state.Endpoints[0].VmId, state.Nodes[^1].UnderlayIp), "1", "2").Take(BundleFlows).ToList();
            var (diff, changes) = FlowBundle.Diff(flows.ToDictionary(f => f.Key), moved);
            await ovs.BundleAsync("br-int", "", ct);
            clock.Restart();
            Check(await ovs.BundleAsync("br-int", diff, ct), "the switch-over bundle");
            var switchOver = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            Check(await ovs.OfctlAsync(["--bundle", "replace-flows", "br-int", "-"], string.Join('\n', flows) + "\n", ct), "replace-flows");
            var replace = clock.Elapsed.TotalMilliseconds;

            Check(await ovs.OfctlAsync(["del-flows", "br-int"], null, ct), "del-flows");
            clock.Restart();
            foreach (var flow in flows.Take(SingleFlows))
            {
                Check(await ovs.OfctlAsync(["add-flow", "br-int", flow.ToString()], null, ct), "add-flow");
            }

            var singleSeconds = clock.Elapsed.TotalSeconds;
            await ExpectFlowsAsync(ovs, SingleFlows, ct);
            var memory = GC.GetTotalMemory(false);
            return
            [
                new Figure($"flows installed, one bundle of {BundleFlows:N0}", BundleFlows / bundleSeconds, SingleFlows / singleSeconds, "flows/s",
                    $"one ovs-ofctl add-flow per flow (first {SingleFlows:N0})", HigherIsBetter: true, memory),
                new Figure($"switch-over of one VM ({changes} flow changes) into {BundleFlows:N0}", switchOver, replace, "ms",
                    "replace-flows of the whole table", HigherIsBetter: false, memory),
            ];
        }
        finally
        {
            foreach (var daemon in new[] { "ovs-vswitchd", "ovsdb-server" })
            {
                var pidFile = Path.Combine(dir, daemon + ".pid");
                if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    try
                    {
                        using var process = Process.GetProcessById(pid);
                        process.Kill();
                        await process.WaitForExitAsync(CancellationToken.None);
                    }
                    catch (ArgumentException)
                    {
                        // Already gone.
                    }
                }
            }

            await RunAsync(CancellationToken.None, "ip", "netns", "del", ns);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task LabFiguresAsync(string workDir, TextWriter output, CancellationToken ct)
    {
        await BenchGuest.BuildAsync(ct);
        var dataDir = Path.Combine(workDir, "network-lab");
        using var up = LabUpProcess.Start(dataDir, "aws-us-east-1:2,onprem:1", ct);
        try
        {
            await UntilAsync(() => Task.FromResult(File.Exists(Path.Combine(dataDir, "ready"))), "the lab is ready", () => up.HasExited, ct);
            var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Path.Combine(dataDir, "kubeconfig")));
            var pods = new ResourceClient<SuperPod>(client);
            var migrations = new ResourceClient<SuperPodMigration>(client);

            // Two SuperPods in aws-us-east-1, on its two hosts.
            var a = await StartAsync(pods, Guest("ping-a"), dataDir, up, ct);
            var b = await StartAsync(pods, Guest("ping-b"), dataDir, up, ct);
            var overlay = await GuestRttAsync(dataDir, a.Status!.Ip!, b.Status!.Ip!, ct);
            var self = await GuestRttAsync(dataDir, a.Status.Ip!, a.Status.Ip!, ct);
            var hostA = HostIp(dataDir, a.Status.Node!);
            var hostB = HostIp(dataDir, b.Status.Node!);
            var underlay = Rtt((await ExecAsync("ip", ["netns", "exec", $"sc{LabId(dataDir)}-{a.Status.Node}", "ping", "-c", "20", "-i", "0.2", hostB], ct)).Stdout);
            var memory = GC.GetTotalMemory(false);
            Report.Print(
            [
                new Figure($"ping RTT {a.Status.Node} SuperPod -> {b.Status.Node} SuperPod", overlay, underlay, "ms",
                    $"ping RTT between the hosts ({hostA} -> {hostB})", HigherIsBetter: false, memory),
                new Figure($"ping RTT {a.Status.Node} SuperPod -> {b.Status.Node} SuperPod", overlay, self, "ms",
                    "the same guest pinging its own address (no network)", HigherIsBetter: false, memory),
            ], output);
            output.WriteLine("  busybox ping inside a TCG guest whose checker keeps its one vCPU busy: the guest's own floor is the second baseline");

            // A TCP stream and a ping from the on-prem client while ping-a moves there.
            var ip = a.Status.Ip!;
            var stream = LineRecorder.Start("stream", RepoPaths.LabCli, ["client", "--data-dir", dataDir, "--cloud", "onprem", "--", "socat", "-u", $"TCP:{ip}:7000", "STDOUT"]);
            var ping = LineRecorder.Start("ping", RepoPaths.LabCli, ["client", "--data-dir", dataDir, "--cloud", "onprem", "--", "ping", "-i", "0.1", "-W", "1", ip]);
            using (stream)
            using (ping)
            {
                await UntilAsync(() => Task.FromResult(stream.Count("HEARTBEAT") >= 20), "the stream runs", () => up.HasExited, ct);
                await pods.PatchAsync(new ObjectKey("default", "ping-a"), """{"spec":{"placement":null}}""", ResourceClient<SuperPod>.MergePatch, null, ct);
                await migrations.CreateAsync(new SuperPodMigration
                {
                    Metadata = new V1ObjectMeta { Name = "ping-a-to-onprem", NamespaceProperty = "default" },
                    Spec = new SuperPodMigrationSpec { SuperPod = "ping-a", Target = new MigrationTarget { Cloud = CloudProvider.OnPrem } },
                }, ct);
                SuperPodMigration? done = null;
                await UntilAsync(
                    async () => (done = await migrations.GetAsync(new ObjectKey("default", "ping-a-to-onprem"), ct))?.Status?.Phase
                        is MigrationPhase.Succeeded or MigrationPhase.Failed or MigrationPhase.Cancelled,
                    "the migration finished", () => up.HasExited, ct);
                if (done!.Status!.Phase != MigrationPhase.Succeeded)
                {
                    output.WriteLine($"  the migration {done.Status.Phase}: {done.Status.FailureReason}: {done.Status.Message}");
                    return;
                }

                var after = stream.Count("HEARTBEAT");
                await UntilAsync(() => Task.FromResult(stream.Count("HEARTBEAT") >= after + 20), "the stream goes on after the move", () => up.HasExited, ct);
                var downtime = SuperCloud.Crds.GoDuration.Parse(done.Status.Downtime ?? "0s", "status.downtime");
                var beats = stream.Times("HEARTBEAT");
                var gap = beats.Zip(beats.Skip(1), (x, y) => y - x).Max();
                var replies = ping.Numbers(PingSeq());
                var lost = replies.Max() - replies.Min() + 1 - replies.Distinct().Count();
                Report.Print(
                [
                    new Figure("longest gap of a TCP stream across the move", gap.TotalMilliseconds, downtime.TotalMilliseconds, "ms",
                        "the VM's downtime in the same migration", HigherIsBetter: false, GC.GetTotalMemory(false)),
                ], output);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  aws-us-east-1 -> onprem: the same connection, {beats.Count} lines; ping every 100 ms lost {lost} (bound: downtime / interval + 1 = {(int)(downtime.TotalMilliseconds / 100) + 1}); target gap < 500 ms"));
            }
        }
        finally
        {
            await LabAsync(CancellationToken.None, "down", "--data-dir", dataDir);
            if (!up.HasExited)
            {
                up.Kill(entireProcessTree: true);
            }
        }
    }

    // Starts a guest on the overlay in aws-us-east-1, apart from the other guest, and waits until its port 8080 answers.
    private static async Task<SuperPod> StartAsync(ResourceClient<SuperPod> pods, SuperPod pod, string dataDir, Process up, CancellationToken ct)
    {
        await pods.CreateAsync(pod, ct);
        var key = new ObjectKey("default", pod.Metadata.Name);
        SuperPod? running = null;
        await UntilAsync(async () => (running = await pods.GetAsync(key, ct)) is { Status.Phase: SuperPodPhase.Running, Status.Ip: not null }, $"{key} runs", () => up.HasExited, ct);
        await UntilAsync(
            async () => (await LabAsync(ct, "client", "--data-dir", dataDir, "--cloud", "aws-us-east-1", "--", "curl", "-s", "-m", "3", $"http://{running!.Status!.Ip}:8080/")).Stdout
                .StartsWith(pod.Metadata.Name, StringComparison.Ordinal),
            $"{key} answers on port 8080", () => up.HasExited, ct);
        return running!;
    }

    // The average of 15 pings from inside guest a to guest b (busybox ping through the guest's /ping endpoint, 3 at a time).
    private static async Task<double> GuestRttAsync(string dataDir, string a, string b, CancellationToken ct)
    {
        var samples = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var answer = await LabAsync(ct, "client", "--data-dir", dataDir, "--cloud", "aws-us-east-1", "--", "curl", "-s", "-m", "20", $"http://{a}:8080/ping/{b}");
            samples.AddRange(PingTime().Matches(answer.Stdout).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
        }

        return samples.Count == 0 ? double.NaN : samples.Average();
    }

    private static double Rtt(string pingOutput) =>
        PingTime().Matches(pingOutput).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).DefaultIfEmpty(double.NaN).Average();

    private static SuperPod Guest(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["bench"] = "ping" } },
        Spec = new SuperPodSpec
        {
            Resources = new SuperPodResources { Cpu = new ResourceQuantity("1"), Memory = new ResourceQuantity("128Mi") },
            Boot = new BootSource { Image = $"{GuestImages.Repository}:{GuestImages.Tag}", Cmdline = "console=ttyS0 quiet panic=-1 sc.mem_mib=32 sc.dirty_pages_per_sec=2000" },
            Networks = [new NetworkInterface { Name = "eth0" }],
            Placement = new Placement
            {
                Clusters = ["aws-us-east-1"],
                AntiAffinity = [new AntiAffinityTerm { SuperPodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["bench"] = "ping" } }, Topology = TopologyLevel.Node }],
            },
            RunStrategy = RunStrategy.Always,
        },
    };

    private static OverlayState SyntheticOverlay(int endpoints, int hosts)
    {
        var pool = Ipv4Prefix.Parse("10.200.0.0/16");
        var nodes = Enumerable.Range(1, hosts).Select(h => new OverlayNode($"host-{h}", Ipv4Prefix.ParseAddress($"10.1.{h}.101"), [])).ToList();
        var list = Enumerable.Range(0, endpoints).Select(i => new OverlayEndpoint(
            $"vm-{i}", "eth0", pool.Network + 2 + (uint)i, $"0a:00:00:00:{i >> 8:x2}:{i & 0xff:x2}", 4096, nodes[i % hosts].Name, $"default/vm-{i}")).ToList();
        return new OverlayState("bench", "02:5c:00:00:00:01", 1450, [new OverlaySegment("default", 4096, [new OverlayPool(pool, pool.Network + 1, "aws")])], list, nodes);
    }

    private static async Task ExpectFlowsAsync(OvsCommands ovs, int count, CancellationToken ct)
    {
        var aggregate = await ovs.OfctlAsync(["dump-aggregate", "br-int"], null, ct);
        if (!aggregate.Stdout.Contains($"flow_count={count}", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"expected {count} flows in br-int: {aggregate.Stdout}");
        }
    }

    private static void Check(CommandOutput result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{what} failed: {result.Error}");
        }
    }

    private static string HostIp(string dataDir, string host) =>
        File.ReadAllText(Path.Combine(dataDir, "ready")).Split([' ', '\n']).First(w => w.StartsWith(host + "=", StringComparison.Ordinal))[(host.Length + 1)..];

    private static string LabId(string dataDir)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(dataDir).TrimEnd('/')));
        return Convert.ToHexStringLower(hash)[..6];
    }

    private static async Task RunAsync(CancellationToken ct, params string[] args)
    {
        var result = await ExecAsync(args[0], args[1..], ct);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr}");
        }
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> LabAsync(CancellationToken ct, params string[] args) => ExecAsync(RepoPaths.LabCli, args, ct);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> ExecAsync(string file, string[] args, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot run {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what, Func<bool> gaveUp, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (gaveUp() || clock.Elapsed > Timeout)
            {
                throw new TimeoutException($"{what}: not within {Timeout.TotalMinutes} min");
            }

            await Task.Delay(200, ct);
        }
    }

    [GeneratedRegex(@"time=([0-9.]+) ?ms")]
    private static partial Regex PingTime();

    [GeneratedRegex(@"icmp_seq=(\d+) ")]
    private static partial Regex PingSeq();
}
