namespace SuperCloud.Lab.Hosts;

/// <summary>
/// One Open vSwitch instance per lab host — an <c>ovsdb-server</c> and an <c>ovs-vswitchd</c> in the host's namespace,
/// with database, sockets, pid files and logs in the host's directory (reached through a short alias, since Unix socket
/// paths are short) — so instances never collide with each other or with another lab's. Both are recorded in the lab's
/// state as they start: <c>down</c> stops them even after <c>up</c> was killed.
/// </summary>
/// <param name="topology">The hosts.</param>
/// <param name="paths">The lab's directories.</param>
/// <param name="commands">Runs ovsdb-tool and ovs-vsctl.</param>
/// <param name="processes">Starts the daemons detached.</param>
/// <param name="store">The lab's state file.</param>
/// <param name="time">The clock for start deadlines.</param>
public sealed class LabSwitches(LabTopology topology, LabPaths paths, CommandRunner commands, LabProcesses processes, LabStateStore store, TimeProvider time)
{
    /// <summary>The Open vSwitch database schema Debian's openvswitch-common installs.</summary>
    public const string Schema = "/usr/share/openvswitch/vswitch.ovsschema";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Starts every host's instance and waits until each answers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Schema))
        {
            throw new LabCommandException($"{Schema} is missing: install Open vSwitch (apt-get install openvswitch-switch, or make setup)");
        }

        foreach (var host in topology.Hosts)
        {
            var directory = paths.Ovs(host.Name);
            Directory.CreateDirectory(directory);
            var alias = topology.OvsAlias(host);
            if (!Directory.Exists(alias))
            {
                Directory.CreateSymbolicLink(alias, directory);
            }

            await commands.RunAsync("ovsdb-tool", ["create", Path.Combine(directory, "conf.db"), Schema], cancellationToken);
            var database = processes.StartDetached(
                LabProcessNames.OvsDatabase(host.Name), "env",
                [.. Environment(alias), "ovsdb-server", Path.Combine(alias, "conf.db"), $"--remote=punix:{Socket(alias)}", $"--pidfile={Path.Combine(alias, "ovsdb-server.pid")}",
                 $"--unixctl={Path.Combine(alias, "ovsdb-server.ctl")}"],
                [], host.Namespace, Path.Combine(directory, "ovsdb-server.log"));
            await store.UpdateAsync(s => s.Processes[database.Name] = database, cancellationToken);
            // The socket file exists a moment before the server accepts on it: initialize once it answers.
            await UntilAsync(
                async () => File.Exists(Socket(alias)) && (await commands.TryRunAsync("ovs-vsctl", [$"--db=unix:{Socket(alias)}", "--no-wait", "--timeout=5", "init"], cancellationToken)).ExitCode == 0,
                $"ovsdb-server of {host.Name} answers on {Socket(alias)}",
                cancellationToken);

            // The pid file names the control socket (OVS_RUNDIR/ovs-vswitchd.PID.ctl) ovs-appctl -t ovs-vswitchd finds.
            var vswitchd = processes.StartDetached(
                LabProcessNames.OvsSwitch(host.Name), "env",
                [.. Environment(alias), "ovs-vswitchd", $"unix:{Socket(alias)}", $"--pidfile={Path.Combine(alias, "ovs-vswitchd.pid")}"],
                [], host.Namespace, Path.Combine(directory, "ovs-vswitchd.log"));
            await store.UpdateAsync(s => s.Processes[vswitchd.Name] = vswitchd, cancellationToken);
        }

        foreach (var host in topology.Hosts)
        {
            var alias = topology.OvsAlias(host);
            await UntilAsync(() => Task.FromResult(File.Exists(Path.Combine(alias, "ovs-vswitchd.pid"))), $"ovs-vswitchd of {host.Name} runs", cancellationToken);
        }
    }

    /// <summary>The environment that places an OVS tool's files in <paramref name="directory"/>.</summary>
    public static string[] Environment(string directory) =>
        [$"OVS_RUNDIR={directory}", $"OVS_DBDIR={directory}", $"OVS_LOGDIR={directory}", $"OVS_SYSCONFDIR={directory}"];

    private static string Socket(string directory) => Path.Combine(directory, "db.sock");

    private async Task UntilAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (!await condition())
        {
            if (time.GetElapsedTime(started) > StartTimeout)
            {
                throw new LabCommandException($"timed out after {StartTimeout.TotalSeconds:0} s waiting until {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
        }
    }
}
