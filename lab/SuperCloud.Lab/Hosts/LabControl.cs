namespace SuperCloud.Lab.Hosts;

/// <summary>
/// Operations on a running lab, for tests and demos: stop, kill and restart a node agent or the operator; shape, cut and
/// restore the links between clouds. Every change is recorded in the lab's state file.
/// </summary>
/// <param name="dataDir">The lab's data directory.</param>
/// <param name="time">The clock for stop deadlines.</param>
/// <param name="logger">Logs what is done.</param>
public sealed class LabControl(string dataDir, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(30);
    private readonly CommandRunner _commands = new(logger);
    private readonly LabStateStore _store = new(dataDir, time);

    /// <summary>SIGTERM (<paramref name="kill"/> false, waiting up to 30 s before SIGKILL) or SIGKILL the process recorded as <paramref name="name"/>; waits until it is gone.</summary>
    public async Task StopAsync(string name, bool kill, CancellationToken cancellationToken)
    {
        var process = Process(name);
        var processes = new LabProcesses(_commands, time, logger);
        if (!LabProcesses.IsRunning(process))
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("{Name} (pid {Pid}) is not running", name, process.Pid);
            }

            return;
        }

        if (kill)
        {
            await processes.KillAsync(process, cancellationToken);
        }
        else
        {
            await processes.StopAsync(process, StopGrace, cancellationToken);
        }
    }

    /// <summary>Starts the process recorded as <paramref name="name"/> again, detached, with its recorded arguments plus <paramref name="extraArgs"/>.</summary>
    public async Task<LabProcess> StartAsync(string name, IReadOnlyList<string> extraArgs, CancellationToken cancellationToken)
    {
        var process = Process(name);
        if (LabProcesses.IsRunning(process))
        {
            throw new LabCommandException($"{name} is already running (pid {process.Pid}); stop it first");
        }

        var started = new LabProcesses(_commands, time, logger).StartDetached(name, process.Executable, process.BaseArgs, extraArgs, process.Netns, process.Log, process.Environment);
        await _store.UpdateAsync(s => s.Processes[name] = started, cancellationToken);
        return started;
    }

    /// <summary>Caps the traffic entering <paramref name="cloud"/> at <paramref name="rate"/>.</summary>
    public async Task ShapeAsync(string cloud, LinkRate rate, CancellationToken cancellationToken)
    {
        var (topology, network) = Network();
        await network.ShapeAsync(topology.Cloud(cloud, "--cloud"), rate, cancellationToken);
        await _store.UpdateAsync(s => s.Shaping[cloud] = rate.Text, cancellationToken);
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Traffic into cloud {Cloud} capped at {Rate}", cloud, rate.Text);
        }
    }

    /// <summary>Removes the cap of <paramref name="cloud"/>.</summary>
    public async Task ClearShapingAsync(string cloud, CancellationToken cancellationToken)
    {
        var (topology, network) = Network();
        await network.ClearShapingAsync(topology.Cloud(cloud, "--cloud"), cancellationToken);
        await _store.UpdateAsync(s => s.Shaping.Remove(cloud), cancellationToken);
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Traffic into cloud {Cloud} no longer capped", cloud);
        }
    }

    /// <summary>Cuts (or, with <paramref name="restore"/>, restores) the link between clouds <paramref name="a"/> and <paramref name="b"/>.</summary>
    public async Task CutAsync(string a, string b, bool restore, CancellationToken cancellationToken)
    {
        var flag = restore ? "--restore" : "--cut";
        var (topology, network) = Network();
        var from = topology.Cloud(a, flag);
        var to = topology.Cloud(b, flag);
        if (from == to)
        {
            throw new LabUsageException($"{flag} \"{a},{b}\": name two different clouds");
        }

        var key = string.CompareOrdinal(a, b) < 0 ? $"{a},{b}" : $"{b},{a}";
        if (restore)
        {
            await network.RestoreAsync(from, to, cancellationToken);
            await _store.UpdateAsync(s => s.Cuts.Remove(key), cancellationToken);
        }
        else
        {
            await network.CutAsync(from, to, cancellationToken);
            await _store.UpdateAsync(s => { s.Cuts.Remove(key); s.Cuts.Add(key); }, cancellationToken);
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Link between {A} and {B} {State}", a, b, restore ? "restored" : "cut");
        }
    }

    /// <summary>
    /// Cuts (or, with <paramref name="rejoin"/>, heals) the path between the management link — the API server and the
    /// operator — and host <paramref name="hostName"/>'s agent; the paths between hosts stay up.
    /// </summary>
    public async Task IsolateAsync(string hostName, bool rejoin, CancellationToken cancellationToken)
    {
        var (topology, network) = Network();
        var host = topology.Hosts.FirstOrDefault(h => h.Name == hostName)
            ?? throw new LabUsageException($"{(rejoin ? "--rejoin" : "--isolate")} \"{hostName}\": no such host in this lab (hosts: {string.Join(", ", topology.Hosts.Select(h => h.Name))})");
        if (rejoin)
        {
            await network.RejoinAsync(host, cancellationToken);
            await _store.UpdateAsync(s => s.Isolated.Remove(host.Name), cancellationToken);
        }
        else
        {
            await network.IsolateAsync(host, cancellationToken);
            await _store.UpdateAsync(s => { s.Isolated.Remove(host.Name); s.Isolated.Add(host.Name); }, cancellationToken);
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Host {Host} {State} the management link", host.Name, rejoin ? "rejoined" : "isolated from");
        }
    }

    /// <summary>The lab's topology, rebuilt from its state file.</summary>
    public LabTopology Topology()
    {
        var state = State();
        return LabTopology.Create(state.Id, LabSubnet.Parse(state.Subnet), CloudSpec.ParseList(state.Clouds));
    }

    private (LabTopology Topology, LabNetwork Network) Network()
    {
        var topology = Topology();
        return (topology, new LabNetwork(topology, _commands, _store, logger));
    }

    private LabProcess Process(string name) =>
        State().Processes.GetValueOrDefault(name) ?? throw new LabCommandException($"the lab in {dataDir} has no process {name}");

    private LabState State() =>
        _store.Read() ?? throw new LabCommandException($"no lab in {dataDir} ({LabStateStore.FileName} is missing); start one with `supercloud-lab up`");
}
