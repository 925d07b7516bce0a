using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// One SuperPod of a live-migration test and what is observed of it from outside: its status, its migrations, the QEMU
/// processes that run its guest on the lab's hosts, and the guest's console (heartbeat counter and memory checker).
/// </summary>
internal sealed partial class Roamer(LabFixture fixture, string name, ITestOutputHelper? output = null)
{
    private Exception? _failure;
    private Dictionary<string, string>? _hostsByNetns;

    /// <summary>The lab's hosts, each named after its cloud (CLOUD-N).</summary>
    public static readonly string[] Hosts = ["aws-us-east-1-1", "aws-us-east-1-2", "aws-eu-west-1-1", "aws-eu-west-1-2", "onprem-1"];

    private LabRun Lab => fixture.Lab;

    public string Name => name;

    /// <summary>The guest's VM id on the agents: the SuperPod's uid.</summary>
    public string Uid { get; private set; } = "";

    /// <summary>The cloud (SuperCluster) of a lab host.</summary>
    public static string CloudOf(string host) => host[..host.LastIndexOf('-')];

    /// <summary>Applies the SuperPod and waits until it runs and its checker has verified its memory once.</summary>
    public async Task<string> StartAsync(
        string? placement = null, string cmdline = LabFixture.GuestCmdline, string? extraSpec = null, string memory = "128Mi", string? networks = null)
    {
        await Lab.ApplyAsync(LabFixture.SuperPod(name, placement, memory, cmdline, extraSpec, networks));
        await Lab.UntilAsync(async () => Phase(await PodAsync()) == "Running", $"SuperPod {name} is Running", TimeSpan.FromSeconds(120));
        var pod = await PodAsync();
        Uid = pod!["metadata"]!["uid"]!.GetValue<string>().ToLowerInvariant();
        var node = Node(pod)!;
        await UntilConsoleAsync(node, 0, text => text.Contains("MEMCHECK OK", StringComparison.Ordinal), "the guest's checker verified its memory", TimeSpan.FromSeconds(90));
        return node;
    }

    public Task<JsonNode?> PodAsync() => Lab.GetAsync("superpod", name, "-n", "default");

    public async Task<string> NodeAsync() => Node(await PodAsync()) ?? throw new InvalidOperationException($"SuperPod {name} has no node");

    public static string? Phase(JsonNode? obj) => obj?["status"]?["phase"]?.GetValue<string>();

    public static string? Node(JsonNode? pod) => pod?["status"]?["node"]?.GetValue<string>();

    /// <summary>Lets the SuperPod run anywhere from now on.</summary>
    public Task UnpinAsync() => Lab.MustAsync("patch", "superpod", name, "-n", "default", "--type", "json", "-p", """[{"op":"remove","path":"/spec/placement"}]""");

    /// <summary><c>kubectl create</c> a SuperPodMigration of this SuperPod; <paramref name="spec"/> is YAML under spec (target, limits), indented by two spaces.</summary>
    public async Task MigrateAsync(string migration, string? spec = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"supercloud-e2e-{migration}-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, $"""
            apiVersion: supercloud.dev/v1alpha1
            kind: SuperPodMigration
            metadata:
              name: {migration}
              namespace: default
            spec:
              superPod: {name}
            {spec ?? ""}
            """);
        try
        {
            await Lab.MustAsync("create", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public Task<JsonNode?> MigrationAsync(string migration) => Lab.GetAsync("superpodmigration", migration, "-n", "default");

    /// <summary>Waits until the migration satisfies <paramref name="condition"/>; a finished migration that does not fails the wait at once.</summary>
    public async Task<JsonNode> UntilMigrationAsync(string migration, Func<JsonNode, bool> condition, string what, TimeSpan timeout)
    {
        JsonNode? last = null;
        await Lab.UntilAsync(
            async () =>
            {
                last = await MigrationAsync(migration);
                if (last is not null && condition(last))
                {
                    return true;
                }

                return Phase(last) is "Succeeded" or "Failed" or "Cancelled"
                    ? throw new InvalidOperationException($"migration {migration} ended {Phase(last)} before {what}: {last!["status"]?.ToJsonString()}{Lab.Diagnostics()}")
                    : false;
            },
            $"migration {migration}: {what}",
            timeout);
        return last!;
    }

    /// <summary>Waits until the migration has ended (Succeeded, Failed or Cancelled) and returns it.</summary>
    public async Task<JsonNode> UntilFinishedAsync(string migration, TimeSpan timeout)
    {
        JsonNode? last = null;
        await Lab.UntilAsync(
            async () => Phase(last = await MigrationAsync(migration)) is "Succeeded" or "Failed" or "Cancelled",
            $"migration {migration} ended",
            timeout);
        return last!;
    }

    /// <summary>Waits until the transfer is under way: Transferring with bytes sent.</summary>
    public Task<JsonNode> UntilTransferringAsync(string migration) =>
        UntilMigrationAsync(
            migration,
            m => Phase(m) == "Transferring" && (m["status"]?["progress"]?["bytesSent"]?.GetValue<long>() ?? 0) > 1 << 20,
            "the transfer is under way",
            TimeSpan.FromSeconds(90));

    /// <summary>The QEMU processes that run this guest, on whichever host: (pid, the host whose network namespace it is in).</summary>
    public List<(int Pid, string Host)> QemuProcesses()
    {
        // The hosts' namespaces live as long as the lab: found once.
        var hostOfNetns = _hostsByNetns ??= HostsByNetworkNamespace();
        var found = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string[] args;
            try
            {
                args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (args.Length == 0 || !Path.GetFileName(args[0]).StartsWith("qemu-system", StringComparison.Ordinal) || !args.Contains($"guest={Uid},debug-threads=on"))
            {
                continue;
            }

            var netns = ReadLinkOrNull(Path.Combine(dir, "ns", "net"));
            found.Add((pid, netns is not null && hostOfNetns.TryGetValue(netns, out var host) ? host : $"? ({netns})"));
        }

        return found;
    }

    // "net:[inode]" of each host's named network namespace, from the lab's state.
    private Dictionary<string, string> HostsByNetworkNamespace()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var host in Hosts)
        {
            var netns = Lab.State()["Processes"]?[$"agent/{host}"]?["Netns"]?.GetValue<string>();
            if (netns is not null && StatInode(Path.Combine("/run/netns", netns)) is { } inode)
            {
                map[$"net:[{inode}]"] = host;
            }
        }

        return map;
    }

    private static string? ReadLinkOrNull(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static ulong? StatInode(string path)
    {
        var info = new System.Diagnostics.ProcessStartInfo("stat", ["-L", "-c", "%i", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var stat = System.Diagnostics.Process.Start(info)!;
        var text = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return stat.ExitCode == 0 && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var inode) ? inode : null;
    }

    /// <summary>Where the guest's console is now and how much of it was written: read this before a step, check after it.</summary>
    public ConsoleMark Mark(string host)
    {
        var log = Lab.ConsoleLog(host, Uid);
        return new ConsoleMark(host, File.Exists(log) ? new FileInfo(log).Length : 0, LabRun.Heartbeats(log).DefaultIfEmpty(-1).Last());
    }

    /// <summary>
    /// After a migration (or a failed one): the SuperPod runs on <paramref name="host"/> and only there — one QEMU process
    /// for it, on that host — and its guest went on where it was: the heartbeat counter continues past
    /// <paramref name="before"/>'s, the checker reports intact memory (a new MEMCHECK OK, no MEMCHECK CORRUPT) and the
    /// guest did not boot again.
    /// </summary>
    public async Task AssertRunsIntactOnAsync(string host, ConsoleMark before)
    {
        await Lab.UntilAsync(async () => Phase(await PodAsync()) == "Running" && Node(await PodAsync()) == host, $"SuperPod {name} runs on {host}", TimeSpan.FromSeconds(60));
        await Lab.UntilAsync(
            () => Task.FromResult(QemuProcesses() is [var only] && only.Host == host),
            $"exactly one QEMU process runs SuperPod {name}'s guest, on {host} (now: {string.Join(", ", QemuProcesses())})",
            TimeSpan.FromSeconds(60));

        // The same console file on the host that kept the guest; a new one (from its start) on a host it moved to.
        var offset = before.Host == host ? before.Length : 0;
        var text = await UntilConsoleAsync(host, offset, t => t.Contains("MEMCHECK OK", StringComparison.Ordinal) && HeartbeatLine().Count(t) >= 2, "the checker verified the memory again and the heartbeat goes on", TimeSpan.FromSeconds(90));
        text.Should().NotContain("MEMCHECK CORRUPT", "guest memory is intact");
        text.Should().NotContain("CHECKER START", "the guest did not boot again");
        var beats = HeartbeatLine().Matches(text).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        beats[0].Should().BeGreaterThan(before.LastHeartbeat, "the heartbeat counter continues where it was, without a reset");
        beats.Should().BeInAscendingOrder();
    }

    private async Task<string> UntilConsoleAsync(string host, long offset, Func<string, bool> condition, string what, TimeSpan timeout)
    {
        var text = "";
        await Lab.UntilAsync(
            () =>
            {
                text = ReadFrom(Lab.ConsoleLog(host, Uid), offset);
                return Task.FromResult(condition(text));
            },
            $"{name} on {host}: {what}",
            timeout);
        return text;
    }

    private static string ReadFrom(string path, long offset)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "";
        }
    }

    /// <summary>
    /// Records the exception that fails the test (an exception filter that never catches): the clean-up that follows
    /// then reports its own trouble in the test's output instead of hiding the failure under it.
    /// </summary>
    public static bool Fails(IEnumerable<Roamer> pods, Exception failure)
    {
        foreach (var pod in pods)
        {
            pod._failure = failure;
        }

        return false;
    }

    /// <summary>Deletes the SuperPod and its migrations.</summary>
    public async Task DeleteAsync()
    {
        try
        {
            await Lab.DeleteSuperPodAsync(name);
        }
        catch (Exception e) when (_failure is not null)
        {
            output?.WriteLine($"cleaning up SuperPod {name} after the failure failed too: {e}");
        }
    }

    /// <summary>A Go duration as the API writes it (1m2.5s, 350ms).</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var total = TimeSpan.Zero;
        var matches = DurationPart().Matches(text);
        matches.Should().NotBeEmpty($"\"{text}\" is a duration");
        foreach (Match m in matches)
        {
            var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                "us" or "µs" => TimeSpan.FromMicroseconds(value),
                _ => TimeSpan.FromTicks((long)(value / 100)),
            };
        }

        return total;
    }

    [GeneratedRegex(@"^HEARTBEAT (\d+)\r?\n", RegexOptions.Multiline)]
    private static partial Regex HeartbeatLine();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")]
    private static partial Regex DurationPart();
}

/// <summary>A point in a guest's console on a host: its length then and the last heartbeat counter in it.</summary>
internal sealed record ConsoleMark(string Host, long Length, long LastHeartbeat);
