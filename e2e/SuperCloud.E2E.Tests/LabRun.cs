using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// One running <c>supercloud-lab up</c> (a real process) and what a user does with it: kubectl with its kubeconfig, the
/// lab's subcommands, its hosts' logs and VM directories. Disposal runs <c>supercloud-lab down</c>.
/// </summary>
internal sealed partial class LabRun : IAsyncDisposable
{
    private readonly string _root;
    private readonly ChildProcess _up;

    private LabRun(string root, string dataDir, ChildProcess up)
    {
        _root = root;
        DataDir = dataDir;
        _up = up;
    }

    /// <summary>The lab's data directory (made by up, removed by down).</summary>
    public string DataDir { get; }

    public string Kubeconfig => Path.Combine(DataDir, "kubeconfig");

    /// <summary>The up process (its pid is the one the lab recorded).</summary>
    public ChildProcess Up => _up;

    /// <summary>How long up took until it wrote DIR/ready.</summary>
    public TimeSpan TimeToReady { get; private set; }

    /// <summary>Starts up in <paramref name="root"/>/lab with <paramref name="clouds"/> and waits for DIR/ready.</summary>
    public static Task<LabRun> StartAsync(string root, string clouds, TimeSpan readyTimeout, params string[] extraArgs) =>
        StartAsync(root, clouds, readyTimeout, null, extraArgs);

    /// <summary>As above, with <paramref name="environment"/> added to up's (and so to the operator's and agents') environment.</summary>
    public static async Task<LabRun> StartAsync(string root, string clouds, TimeSpan readyTimeout, IReadOnlyDictionary<string, string>? environment, params string[] extraArgs)
    {
        Directory.CreateDirectory(root);
        var dataDir = Path.Combine(root, "lab");
        var up = ChildProcess.Start("supercloud-lab up", RepoPaths.LabCli, ["up", "--data-dir", dataDir, "--clouds", clouds, "--port", "0", .. extraArgs], environment);
        var lab = new LabRun(root, dataDir, up);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            // The ready file of this up: a stale lab's is still there until this up has removed it.
            await lab.UntilAsync(
                () => Task.FromResult(File.Exists(Path.Combine(dataDir, "ready")) && lab.StateOrNull()?["Processes"]?["up"]?["Pid"]?.GetValue<int>() == up.Pid),
                "supercloud-lab up wrote DIR/ready",
                readyTimeout);
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }

        lab.TimeToReady = watch.Elapsed;
        return lab;
    }

    /// <summary>The lab's state file.</summary>
    public JsonNode State() => StateOrNull() ?? throw new InvalidOperationException($"{DataDir}/lab-state.json is missing");

    private JsonNode? StateOrNull()
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(Path.Combine(DataDir, "lab-state.json")));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    public Task<CommandResult> KubectlAsync(params string[] args)
    {
        var cache = Path.Combine(_root, "kube-cache");
        var environment = new Dictionary<string, string> { ["HOME"] = _root, ["KUBECACHEDIR"] = cache };
        return Commands.RunAsync(RepoPaths.Kubectl, ["--kubeconfig", Kubeconfig, "--cache-dir", cache, .. args], environment);
    }

    /// <summary>kubectl that must succeed.</summary>
    public async Task<CommandResult> MustAsync(params string[] args)
    {
        var result = await KubectlAsync(args);
        result.ExitCode.Should().Be(0, result + Diagnostics());
        return result;
    }

    /// <summary><c>kubectl get ARGS -o json</c>, parsed; null when not found.</summary>
    public async Task<JsonNode?> GetAsync(params string[] args)
    {
        var result = await KubectlAsync(["get", .. args, "-o", "json"]);
        if (result.ExitCode != 0 && result.Stderr.Contains("NotFound", StringComparison.Ordinal))
        {
            return null;
        }

        result.ExitCode.Should().Be(0, result + Diagnostics());
        return JsonNode.Parse(result.Stdout);
    }

    public async Task ApplyAsync(string manifest)
    {
        var file = Path.Combine(_root, $"manifest-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, manifest);
        await MustAsync("apply", "-f", file);
    }

    /// <summary>
    /// Deletes the SuperPod <paramref name="name"/> and the SuperPodMigrations of it, and nothing else: a migration another
    /// test left stuck behind its finalizer cannot hold this test's cleanup.
    /// </summary>
    public async Task DeleteSuperPodAsync(string name)
    {
        await KubectlAsync("delete", "superpod", name, "-n", "default", "--ignore-not-found", "--timeout=90s");
        var migrations = await GetAsync("superpodmigrations", "-n", "default");
        foreach (var m in migrations?["items"]?.AsArray() ?? [])
        {
            if (m?["spec"]?["superPod"]?.GetValue<string>() == name)
            {
                await KubectlAsync("delete", "superpodmigration", m["metadata"]!["name"]!.GetValue<string>(), "-n", "default", "--ignore-not-found", "--timeout=60s");
            }
        }
    }

    /// <summary><c>supercloud-lab ARGS --data-dir DIR</c>, which must succeed.</summary>
    public async Task<CommandResult> LabAsync(params string[] args)
    {
        var separator = Array.IndexOf(args, "--");
        string[] full = separator < 0 ? [.. args, "--data-dir", DataDir] : [.. args[..separator], "--data-dir", DataDir, .. args[separator..]];
        var result = await Commands.RunAsync(RepoPaths.LabCli, full);
        result.ExitCode.Should().Be(0, result + Diagnostics());
        return result;
    }

    /// <summary>Runs <paramref name="command"/> in <paramref name="cloud"/>'s client namespace (<c>supercloud-lab client</c>), whatever its exit code.</summary>
    public Task<CommandResult> ClientAsync(string cloud, params string[] command) =>
        Commands.RunAsync(RepoPaths.LabCli, ["client", "--data-dir", DataDir, "--cloud", cloud, "--", .. command], timeout: TimeSpan.FromSeconds(60));

    /// <summary>Starts <paramref name="command"/> in <paramref name="cloud"/>'s client namespace, running until disposed.</summary>
    public ChildProcess StartClient(string cloud, params string[] command) =>
        ChildProcess.Start($"client {cloud}: {string.Join(' ', command)}", RepoPaths.LabCli, ["client", "--data-dir", DataDir, "--cloud", cloud, "--", .. command]);

    public string HostDirectory(string host) => Path.Combine(DataDir, "hosts", host);

    public string VmDirectory(string host, string uid) => Path.Combine(HostDirectory(host), "vms", uid);

    public string ConsoleLog(string host, string uid) => Path.Combine(VmDirectory(host, uid), "console.log");

    /// <summary>How many lines of all agents' logs say "VM {id} {event}" (event: created, started, ...).</summary>
    public int CountVmEvents(string id, string vmEvent) =>
        Directory.EnumerateFiles(Path.Combine(DataDir, "hosts"), "agent.log", SearchOption.AllDirectories)
            .Sum(log => ReadShared(log).Split('\n').Count(line => line.Contains($"VM {id} {vmEvent}", StringComparison.Ordinal)));

    /// <summary>Every line of the agents' and the operator's logs that names VM <paramref name="id"/>, each prefixed with its log.</summary>
    public string VmLogLines(string id) =>
        string.Join('\n', Directory.EnumerateFiles(Path.Combine(DataDir, "hosts"), "agent.log", SearchOption.AllDirectories)
            .Append(Path.Combine(DataDir, "operator.log"))
            .SelectMany(log => ReadShared(log).Split('\n')
                .Where(line => line.Contains(id, StringComparison.Ordinal))
                .Select(line => $"{Path.GetFileName(Path.GetDirectoryName(log))}/{Path.GetFileName(log)}: {line}")));

    /// <summary>The HEARTBEAT counters in a guest console log, complete lines only.</summary>
    public static List<long> Heartbeats(string consoleLog) =>
        File.Exists(consoleLog)
            ? [.. HeartbeatLine().Matches(ReadShared(consoleLog)).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))]
            : [];

    /// <summary>Polls until <paramref name="condition"/>; fails at once when up exited.</summary>
    public Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, TimeSpan? interval = null) =>
        Poll.UntilAsync(
            async () => _up.HasExited ? throw new InvalidOperationException($"supercloud-lab up exited while waiting until {what}{Diagnostics()}") : await condition(),
            timeout ?? TimeSpan.FromSeconds(60),
            what,
            Diagnostics,
            interval);

    /// <summary>The ends of up's output, the operator's log and every agent's log.</summary>
    public string Diagnostics()
    {
        var parts = new List<string> { "", _up.Diagnostics() };
        if (Directory.Exists(DataDir))
        {
            var logs = Directory.EnumerateFiles(DataDir, "*.log", SearchOption.TopDirectoryOnly)
                .Concat(Directory.Exists(Path.Combine(DataDir, "hosts")) ? Directory.EnumerateFiles(Path.Combine(DataDir, "hosts"), "agent.log", SearchOption.AllDirectories) : [])
                .Concat(Directory.Exists(Path.Combine(DataDir, "pods")) ? Directory.EnumerateFiles(Path.Combine(DataDir, "pods"), "container.log", SearchOption.AllDirectories) : []);
            foreach (var log in logs)
            {
                parts.Add($"--- {log}, last lines:\n{string.Join('\n', ReadShared(log).Split('\n').TakeLast(15))}");
            }
        }

        return string.Join('\n', parts);
    }

    /// <summary>Runs <c>supercloud-lab down</c> (which stops up and removes the lab), then makes sure up is gone.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Commands.RunAsync(RepoPaths.LabCli, ["down", "--data-dir", DataDir], timeout: TimeSpan.FromMinutes(3));
        }
        finally
        {
            _up.Dispose();
        }
    }

    /// <summary>A log or console file that its writer is appending to, or "" before it exists.</summary>
    public static string ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "";
        }
    }

    [GeneratedRegex(@"^HEARTBEAT (\d+)\r?\n", RegexOptions.Multiline)]
    private static partial Regex HeartbeatLine();
}
