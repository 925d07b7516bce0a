using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.NodeAgent.Network;

namespace SuperCloud.NodeAgent.Tests.Network;

/// <summary>
/// A host for the network tests: a network namespace of its own with an underlay link, a real Open vSwitch instance
/// (ovsdb-server and ovs-vswitchd, userspace datapath) whose files are in a temporary directory, and this host's
/// <see cref="NetworkAgent"/> programming it. Everything is removed on disposal.
/// </summary>
internal sealed class OvsHost : IAsyncDisposable
{
    public const string Node = "h1";
    public const string UnderlayAddress = "10.123.5.2/24";

    private readonly CancellationTokenSource _stop = new();

    private OvsHost(string ns, string directory)
    {
        Namespace = ns;
        Directory = directory;
        Options = new NetworkOptions
        {
            Enabled = true,
            OvsRunDirectory = directory,
            Namespace = ns,
            UnderlayInterface = "ul0",
            UnderlayAddress = UnderlayAddress,
            UnderlayRoutes = ["10.123.0.0/16 via 10.123.5.1"],
            StateDirectory = Path.Combine(directory, "state"),
            CheckInterval = TimeSpan.FromMilliseconds(200),
        };
    }

    public string Namespace { get; }

    public string Directory { get; }

    public NetworkOptions Options { get; }

    public NetworkAgent Agent { get; private set; } = null!;

    /// <summary>Why the tests cannot run here, or null.</summary>
    public static string? Missing =>
        !Environment.IsPrivilegedProcess ? "the network tests need root (network namespaces, taps)"
        : TestEnvironment.FindOnPath("ovs-vswitchd") is null ? "Open vSwitch is not installed (apt-get install openvswitch-switch)"
        : null;

    public static async Task<OvsHost> StartAsync()
    {
        var directory = TestEnvironment.NewTempDir("scovs");
        var host = new OvsHost("scovs-" + Path.GetFileName(directory)[6..14], directory);
        await RunAsync("ip", "netns", "add", host.Namespace);
        await host.InAsync("ip", "link", "set", "lo", "up");
        await host.InAsync("ip", "link", "add", "ul0", "type", "veth", "peer", "name", "ul0p");
        await host.InAsync("ip", "link", "set", "ul0p", "up");
        await RunAsync("ovsdb-tool", "create", Path.Combine(directory, "conf.db"), "/usr/share/openvswitch/vswitch.ovsschema");
        await host.InAsync("env", $"OVS_RUNDIR={directory}", "ovsdb-server", Path.Combine(directory, "conf.db"), $"--remote=punix:{Path.Combine(directory, "db.sock")}",
            $"--pidfile={Path.Combine(directory, "ovsdb-server.pid")}", $"--log-file={Path.Combine(directory, "ovsdb-server.log")}", "--detach");
        await RunAsync("ovs-vsctl", $"--db=unix:{Path.Combine(directory, "db.sock")}", "--no-wait", "init");
        await host.StartSwitchAsync();
        host.Agent = new NetworkAgent(host.Options, Node, new OvsCommands(host.Options), TimeProvider.System, NullLogger<NetworkAgent>.Instance);
        await host.Agent.StartAsync(host._stop.Token);
        await Poll.UntilAsync(() => Task.FromResult(host.Agent.Report()), r => r.AppliedAt is not null, TimeSpan.FromSeconds(30), "the agent set up the bridges and installed its first flows");
        return host;
    }

    /// <summary>Starts ovs-vswitchd (again), detached, with its pid file in the run directory.</summary>
    public Task StartSwitchAsync() =>
        InAsync("env", $"OVS_RUNDIR={Directory}", "ovs-vswitchd", $"unix:{Path.Combine(Directory, "db.sock")}",
            $"--pidfile={Path.Combine(Directory, "ovs-vswitchd.pid")}", $"--log-file={Path.Combine(Directory, "ovs-vswitchd.log")}", "--detach");

    /// <summary>SIGKILLs ovs-vswitchd and waits until it is gone.</summary>
    public async Task KillSwitchAsync()
    {
        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(Directory, "ovs-vswitchd.pid"))).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.GetProcessById(pid);
        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>The flows of the integration bridge in OpenFlow 1.5 syntax (set_field, goto_table), one per line; empty when the switch does not answer.</summary>
    public async Task<string[]> FlowsAsync()
    {
        var dump = await new OvsCommands(Options).OfctlAsync(["-O", "OpenFlow15", "--no-stats", "dump-flows", Options.IntegrationBridge], null, CancellationToken.None);
        return dump.Succeeded ? dump.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
    }

    /// <summary>The OpenFlow port number of <paramref name="port"/>.</summary>
    public async Task<string> OfPortAsync(string port) =>
        (await new OvsCommands(Options).VsctlAsync(["get", "interface", port, "ofport"], CancellationToken.None)).Stdout.Trim();

    public Task InAsync(params string[] args) => RunAsync(["ip", "netns", "exec", Namespace, .. args]);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Agent.StopAsync(CancellationToken.None);
        Agent.Dispose();
        foreach (var daemon in new[] { "ovs-vswitchd", "ovsdb-server" })
        {
            var pidFile = Path.Combine(Directory, daemon + ".pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                    await process.WaitForExitAsync();
                }
                catch (ArgumentException)
                {
                    // Already gone.
                }
            }
        }

        await RunAsync("ip", "netns", "del", Namespace);
        System.IO.Directory.Delete(Directory, recursive: true);
        _stop.Dispose();
    }

    private static async Task RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(args[0]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}");
        }
    }
}
