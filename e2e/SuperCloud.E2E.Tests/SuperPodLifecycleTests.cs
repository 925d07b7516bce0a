using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace SuperCloud.E2E.Tests;

/// <summary>The whole product as real processes: lab API server, kubectl, one node agent running QEMU (TCG) and the operator.</summary>
public sealed partial class SuperPodLifecycleTests : IDisposable
{
    private const string NodeName = "agent-1";
    private static readonly TimeSpan StepDeadline = TimeSpan.FromSeconds(30);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "supercloud-e2e-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<ChildProcess> _processes = [];

    private string Kubeconfig => Path.Combine(_root, "lab", "kubeconfig");

    private string VmDirectory => Path.Combine(_root, "vms");

    /// <summary>Kills the operator, the agent, any QEMU left in the agent's state directory and the API server, then deletes the temp dir.</summary>
    public void Dispose()
    {
        // Reverse start order: operator and agent before the API server they talk to.
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            _processes[i].Dispose();
            if (_processes[i].Name == "node-agent")
            {
                KillLeftoverVms();
            }
        }

        KillLeftoverVms();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>kubectl apply of a SuperPod boots a VM on the registered agent; kubectl delete stops it and removes the SuperPod.</summary>
    [SkippableFact]
    public async Task Applied_superpod_is_scheduled_boots_on_the_agent_and_is_removed_on_delete()
    {
        Skip.IfNot(File.Exists("/usr/bin/qemu-system-x86_64") || OnPath("qemu-system-x86_64"), "qemu-system-x86_64 is not installed");
        Skip.IfNot(Directory.Exists("/boot") && Directory.EnumerateFiles("/boot", "vmlinuz-*").Any(), "no kernel /boot/vmlinuz-* (apt-get install linux-image-amd64)");

        Directory.CreateDirectory(_root);
        var (kernel, initrd) = await BuildGuestAsync();

        // The API server and the cluster-scoped setup.
        var apiPort = FreePort();
        Start("apiserver", RepoPaths.LabCli, "apiserver", "--port", Invariant(apiPort), "--data-dir", Path.Combine(_root, "lab"));
        await UntilAsync(() => Task.FromResult(File.Exists(Kubeconfig)), "the API server wrote its kubeconfig");
        await UntilAsync(async () => (await KubectlAsync("get", "--raw", "/healthz")).ExitCode == 0, "the API server answers /healthz");

        await MustAsync("apply", "-f", Path.Combine(RepoPaths.Root, "crds", "generated"));
        await MustAsync("wait", "--for=condition=Established", "crd", "--all", "--timeout=30s");
        await MustAsync("create", "namespace", "supercloud-system");
        await ApplyAsync(
            """
            apiVersion: supercloud.dev/v1alpha1
            kind: SuperCluster
            metadata:
              name: lab
            spec:
              provider: onprem
              region: lab
              pricing:
                currency: USD
                onDemand:
                  perVcpuHour: "0.01"
                  perGiBHour: "0.001"
                billingPeriod: 1h
            """);

        // One agent and the operator, sharing the certificates of one cluster CA.
        var certs = Path.Combine(_root, "certs");
        var generated = await RunAsync(RepoPaths.NodeAgent, "certs", certs, NodeName);
        generated.ExitCode.Should().Be(0, generated.ToString());
        var agentPort = FreePort();
        Start(
            "node-agent",
            RepoPaths.NodeAgent,
            $"--NodeAgent:NodeName={NodeName}",
            $"--NodeAgent:Port={Invariant(agentPort)}",
            $"--NodeAgent:CaCertificatePath={Path.Combine(certs, "ca.crt")}",
            $"--NodeAgent:CertificatePath={Path.Combine(certs, NodeName + ".crt")}",
            $"--NodeAgent:KeyPath={Path.Combine(certs, NodeName + ".key")}",
            "--NodeAgent:Cloud=onprem",
            "--NodeAgent:Region=lab",
            $"--Qemu:StateDirectory={VmDirectory}",
            "--Qemu:Accelerator=tcg",
            $"--Kubernetes:Kubeconfig={Kubeconfig}",
            "--Kubernetes:Cluster=lab",
            $"--Kubernetes:AgentEndpoint=127.0.0.1:{Invariant(agentPort)}");
        Start(
            "operator",
            RepoPaths.Operator,
            "--kubeconfig", Kubeconfig,
            "--listen-address", $"http://127.0.0.1:{Invariant(FreePort())}",
            "--leader-election-namespace", "supercloud-system",
            "--agent-ca", Path.Combine(certs, "ca.crt"),
            "--agent-cert", Path.Combine(certs, "supercloud-operator.crt"),
            "--agent-key", Path.Combine(certs, "supercloud-operator.key"));

        await UntilAsync(
            async () => (await KubectlAsync("get", "supernode", NodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")).Stdout == "True",
            $"SuperNode {NodeName} is Ready");

        // The SuperPod: scheduled onto the agent, then Running.
        await ApplyAsync(
            $"""
            apiVersion: supercloud.dev/v1alpha1
            kind: SuperPod
            metadata:
              name: x
              namespace: default
            spec:
              resources:
                cpu: "1"
                memory: 128Mi
              boot:
                kernel: {kernel}
                initrd: {initrd}
                cmdline: console=ttyS0 quiet panic=-1 sc.mem_mib=32 sc.dirty_pages_per_sec=2000
              runStrategy: Always
            """);
        await UntilAsync(
            async () => (await KubectlAsync("get", "superpod", "x", "-n", "default", "-o", "jsonpath={.status.phase} {.status.node}")).Stdout == $"Running {NodeName}",
            $"SuperPod x is Running on {NodeName}");

        // Its VM on the agent (state directory named by the SuperPod's uid) prints increasing heartbeats.
        var uid = (await MustAsync("get", "superpod", "x", "-n", "default", "-o", "jsonpath={.metadata.uid}")).Stdout.Trim().ToLowerInvariant();
        var vm = Path.Combine(VmDirectory, uid);
        var console = Path.Combine(vm, "console.log");
        long? firstHeartbeat = null;
        await UntilAsync(
            () =>
            {
                var beats = Heartbeats(console);
                beats.Should().BeInAscendingOrder("the guest counts its heartbeats up").And.OnlyHaveUniqueItems();
                firstHeartbeat ??= beats.Count > 0 ? beats[^1] : null;
                return Task.FromResult(firstHeartbeat is { } first && beats.Count > 0 && beats[^1] > first);
            },
            $"the console log {console} shows increasing HEARTBEAT lines");
        var qemuPid = int.Parse(File.ReadAllText(Path.Combine(vm, "qemu.pid")).Trim(), CultureInfo.InvariantCulture);
        IsRunning(qemuPid).Should().BeTrue($"QEMU {qemuPid} runs the VM{Diagnostics()}");

        // Delete waits for the operator's finalizer: the VM is stopped and its state removed first.
        var deleted = await KubectlAsync("delete", "superpod", "x", "-n", "default", "--timeout=30s");
        deleted.ExitCode.Should().Be(0, deleted + Diagnostics());
        await UntilAsync(() => Task.FromResult(!IsRunning(qemuPid)), $"QEMU {qemuPid} of SuperPod x exited");
        await UntilAsync(() => Task.FromResult(!Directory.Exists(vm)), $"the VM state directory {vm} was removed");
        var gone = await KubectlAsync("get", "superpod", "x", "-n", "default");
        gone.ExitCode.Should().NotBe(0, gone + Diagnostics());
        gone.Stderr.Should().Contain("NotFound");
    }

    /// <summary>A complete heartbeat line (a line still being written has no newline yet).</summary>
    [GeneratedRegex(@"^HEARTBEAT (\d+)\r?\n", RegexOptions.Multiline)]
    private static partial Regex HeartbeatLine();

    private static List<long> Heartbeats(string console) =>
        File.Exists(console)
            ? [.. HeartbeatLine().Matches(File.ReadAllText(console)).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))]
            : [];

    /// <summary>True while the process exists and is no zombie (a daemonized QEMU is reparented and may stay unreaped).</summary>
    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        try
        {
            var text = File.ReadAllText(stat);
            // Field 3 follows the parenthesized command name: R, S, D, Z, ...
            var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => File.Exists(Path.Combine(dir, name)));

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Builds the test guest next to this assembly (build.sh does nothing when its inputs did not change).</summary>
    private static async Task<(string Kernel, string Initrd)> BuildGuestAsync()
    {
        var outDir = Path.Combine(AppContext.BaseDirectory, "guest");
        var built = await RunAsync("bash", Path.Combine(RepoPaths.Root, "node-agent", "guest", "build.sh"), outDir);
        built.ExitCode.Should().Be(0, $"the guest builds: {built}");
        return (Path.Combine(outDir, "vmlinuz"), Path.Combine(outDir, "initramfs.cpio.gz"));
    }

    private static async Task<CommandResult> RunAsync(string path, params string[] args) => await RunAsync(path, null, args);

    private static async Task<CommandResult> RunAsync(string path, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{path} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(StepDeadline * 2);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{path} {string.Join(' ', args)} did not finish within {StepDeadline * 2}");
        }

        return new CommandResult($"{Path.GetFileName(path)} {string.Join(' ', args)}", process.ExitCode, await stdout, await stderr);
    }

    /// <summary>kubectl against the lab server with a private HOME and cache dir.</summary>
    private Task<CommandResult> KubectlAsync(params string[] args)
    {
        var cache = Path.Combine(_root, "kube-cache");
        var environment = new Dictionary<string, string> { ["HOME"] = _root, ["KUBECACHEDIR"] = cache };
        return RunAsync(RepoPaths.Kubectl, environment, ["--kubeconfig", Kubeconfig, "--cache-dir", cache, .. args]);
    }

    private async Task<CommandResult> MustAsync(params string[] args)
    {
        var result = await KubectlAsync(args);
        result.ExitCode.Should().Be(0, result + Diagnostics());
        return result;
    }

    private async Task ApplyAsync(string manifest)
    {
        var file = Path.Combine(_root, $"manifest-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, manifest);
        await MustAsync("apply", "-f", file);
    }

    private void Start(string name, string path, params string[] args) => _processes.Add(ChildProcess.Start(name, path, args));

    /// <summary>Polls <paramref name="condition"/> until true; fails with every process's output tail on timeout or when one died.</summary>
    private async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < StepDeadline)
        {
            if (_processes.FirstOrDefault(p => p.HasExited) is { } dead)
            {
                throw new InvalidOperationException($"{dead.Name} exited while waiting until {what}{Diagnostics()}");
            }

            if (await condition())
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"not within {StepDeadline}: {what}{Diagnostics()}");
    }

    private string Diagnostics() => "\n" + string.Join('\n', _processes.Select(p => p.Diagnostics()));

    /// <summary>QEMU daemonizes, so killing the agent's tree leaves it running: kill it by the pid file the agent keeps.</summary>
    private void KillLeftoverVms()
    {
        if (!Directory.Exists(VmDirectory))
        {
            return;
        }

        foreach (var pidFile in Directory.EnumerateFiles(VmDirectory, "qemu.pid", SearchOption.AllDirectories))
        {
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && IsRunning(pid))
            {
                try
                {
                    using var qemu = Process.GetProcessById(pid);
                    qemu.Kill();
                    qemu.WaitForExit(10_000);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // Exited meanwhile.
                }
            }
        }
    }

    /// <summary>What one command printed.</summary>
    private sealed record CommandResult(string Command, int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"{Command}: exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }
}
