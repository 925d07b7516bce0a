using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using SuperCloud.Crds.Networking;
using SuperCloud.NodeAgent.Hypervisor;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Network;

/// <summary>
/// This host's part of the overlay: it owns the host's Open vSwitch bridges (the integration bridge with the VXLAN port,
/// the gateway port and a tap per VM NIC; with the userspace datapath also the underlay bridge and OVS's routes), keeps
/// the config the operator pushed (persisted, so a restarted agent replays it), and installs the flows
/// <see cref="FlowCompiler"/> makes from it in one OpenFlow bundle. It notices at once when <c>ovs-vswitchd</c> restarts
/// (its monitor connection ends) and checks every <see cref="NetworkOptions.CheckInterval"/> that its flows are still in
/// place; either way it replays everything. During a migration's switch-over it moves a VM's traffic ahead of the
/// operator's table: the target delivers locally before the VM resumes, the source forwards to the target the moment
/// the VM is paused for good. Every change to OVS goes through one lock: one owner of the bridge's state.
/// </summary>
public sealed class NetworkAgent : BackgroundService
{
    private const string StateFile = "network-state.json";
    private static readonly TimeSpan ReconnectInterval = TimeSpan.FromMilliseconds(50);

    private readonly NetworkOptions _options;
    private readonly string _node;
    private readonly IOpenVSwitch _ovs;
    private readonly HostLinks _links;
    private readonly TimeProvider _time;
    private readonly ILogger<NetworkAgent> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, uint> _outgoing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _forwardUntil = new(StringComparer.Ordinal);
    private V1.NetworkConfig? _config;
    private OverlayState _state = OverlayState.Empty;
    private PortOverrides _overrides = PortOverrides.None;
    private List<LocalPort> _ports = [];
    private Dictionary<string, int> _switchPorts = new(StringComparer.Ordinal);
    private Dictionary<string, OpenFlowRule>? _installed;
    private bool _infrastructure;
    private NetworkReport _report;
    private Func<CancellationToken, Task<IReadOnlyCollection<string>>>? _knownVms;

    /// <summary>Creates the agent's network part for node <paramref name="node"/>.</summary>
    public NetworkAgent(NetworkOptions options, string node, IOpenVSwitch ovs, TimeProvider time, ILogger<NetworkAgent> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _node = node;
        _ovs = ovs;
        _links = new HostLinks(options);
        _time = time;
        _logger = logger;
        _report = new NetworkReport("", false, "NotProgrammed", "no network config has been pushed by the operator yet", null, 0, []);
    }

    /// <summary>Whether the network is on (the agent programs OVS).</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>The MTU inside the overlay, as the last config said.</summary>
    public int Mtu => _state.Mtu;

    /// <summary>The host's ports that are no NIC of a VM and that no tap may take.</summary>
    private IEnumerable<string> ReservedNames =>
        new[] { _options.IntegrationBridge, _options.TunnelPort, _options.GatewayPort, _options.UnderlayBridge, _options.UnderlayInterface, "lo", "eth0" }
            .Where(n => n.Length > 0);

    /// <summary>Lets the agent remove taps of VMs its hypervisor no longer knows (after a crash between the two).</summary>
    public void UseVmInventory(Func<CancellationToken, Task<IReadOnlyCollection<string>>> knownVms) => _knownVms = knownVms;

    /// <summary>The network as last programmed.</summary>
    public NetworkReport Report() => _report;

    /// <summary>
    /// Accepts <paramref name="config"/> from the operator: validates it (a bad one changes nothing and says what is wrong),
    /// persists it and installs its flows in one bundle. A failure to program OVS keeps the previous flows and says why.
    /// </summary>
    public async Task<NetworkReport> ApplyAsync(V1.NetworkConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (NetworkConfigReader.Read(config, out var errors) is not { } state)
        {
            var message = "the config is invalid: " + string.Join("; ", errors);
            _logger.NotInstalled(config.Generation, "InvalidConfig", message);
            return _report with { Ready = false, Reason = "InvalidConfig", Message = message };
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var previousNodes = _state.Nodes.Select(n => n.UnderlayIp).Order().ToList();
            var gatewayChanged = state.GatewayMac != _state.GatewayMac || state.Mtu != _state.Mtu
                || !state.Networks.SelectMany(n => n.Pools).Select(p => p.Cidr).SequenceEqual(_state.Networks.SelectMany(n => n.Pools).Select(p => p.Cidr));
            _config = config;
            _state = state;
            DropSettledOverrides();
            await PersistAsync(cancellationToken);
            var nodesChanged = !state.Nodes.Select(n => n.UnderlayIp).Order().SequenceEqual(previousNodes);
            if (gatewayChanged && _infrastructure)
            {
                await EnsureGatewayAsync(cancellationToken);
            }

            await ProgramAsync(full: true, cancellationToken);
            if (!_infrastructure)
            {
                _report = _report with
                {
                    Ready = false, Reason = "OvsUnavailable",
                    Message = $"Open vSwitch does not answer; generation {state.Generation} is kept and installed as soon as it does",
                };
            }

            if (nodesChanged && _infrastructure)
            {
                await WarmNeighboursAsync(cancellationToken);
            }

            return _report;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Creates the taps of <paramref name="spec"/>'s NICs and plugs them into the integration bridge, tagged with the VM;
    /// idempotent. A name the host or OVS refuses throws <see cref="InvalidVmSpecException"/> naming the NIC's field.
    /// </summary>
    public async Task PlugAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Nics.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (spec.Nics.All(n => _ports.Any(p => p.Name == n.TapDevice && p.VmId == spec.Id && p.Mac == n.Mac)))
            {
                return;
            }

            await RequireSwitchAsync(cancellationToken);
            var owners = await ReadPortsAsync(all: true, cancellationToken);
            var errors = new List<VmSpecError>();
            for (var i = 0; i < spec.Nics.Count; i++)
            {
                var field = $"spec.nics[{i}].tapDevice";
                var nic = spec.Nics[i];
                if (ReservedNames.Contains(nic.TapDevice, StringComparer.Ordinal))
                {
                    errors.Add(new VmSpecError(field, $"'{nic.TapDevice}' is an interface of the host's own network"));
                    continue;
                }

                if (owners.TryGetValue(nic.TapDevice, out var owner) && owner != spec.Id)
                {
                    errors.Add(new VmSpecError(field, owner.Length == 0
                        ? $"'{nic.TapDevice}' is a port of the host's switch that belongs to no VM"
                        : $"'{nic.TapDevice}' is the tap of VM {owner} on this host"));
                    continue;
                }

                if (await PlugOneAsync(spec.Id, i, nic, cancellationToken) is { } refused)
                {
                    errors.Add(new VmSpecError(field, refused));
                }
            }

            _ports = await LocalPortsAsync(cancellationToken);
            if (errors.Count > 0)
            {
                foreach (var nic in spec.Nics.Where(n => !owners.ContainsKey(n.TapDevice) || owners[n.TapDevice] == spec.Id))
                {
                    await RemovePortAsync(nic.TapDevice, cancellationToken);
                }

                _ports = await LocalPortsAsync(cancellationToken);
                throw new InvalidVmSpecException(errors);
            }

            await ProgramIfReadyAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Removes <paramref name="vmId"/>'s taps; a VM that just migrated away keeps its forwarding pointer for the grace period.</summary>
    public async Task UnplugAsync(string vmId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var removed = false;
            foreach (var port in _ports.Where(p => p.VmId == vmId).ToList())
            {
                await RemovePortAsync(port.Name, cancellationToken);
                _logger.Unplugged(vmId, port.Name);
                removed = true;
            }

            _outgoing.TryRemove(vmId, out _);
            if (_overrides.Forwarded.ContainsKey(vmId))
            {
                _forwardUntil[vmId] = _time.GetUtcNow() + _options.ForwardingGrace;
            }
            else
            {
                _overrides = _overrides.Clear(vmId);
            }

            if (removed)
            {
                _ports = _ports.Where(p => p.VmId != vmId).ToList();
                await PersistAsync(cancellationToken);
                await ProgramIfReadyAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The source of a migration was told where the VM goes: its target's tunnel endpoint.</summary>
    public void ExpectOutgoing(string vmId, string targetUnderlayIp)
    {
        if (Ipv4Prefix.TryParseAddress(targetUnderlayIp, out var target))
        {
            _outgoing[vmId] = target;
        }
    }

    /// <summary>The outgoing migration of <paramref name="vmId"/> ended without moving it.</summary>
    public void ForgetOutgoing(string vmId) => _outgoing.TryRemove(vmId, out _);

    /// <summary>
    /// Source: the VM is paused for good (the transfer completed, or post-copy began): from now on its traffic goes to the
    /// target's tunnel endpoint, also what peers that do not know yet still send here.
    /// </summary>
    public async Task RedirectAsync(string vmId, CancellationToken cancellationToken)
    {
        if (!_outgoing.TryGetValue(vmId, out var target))
        {
            if (_state.Endpoints.Any(e => e.VmId == vmId))
            {
                _logger.NoForwardingTarget(vmId);
            }

            return;
        }

        var address = Ipv4Prefix.FormatAddress(target);
        await SwitchAsync(vmId, o => o.Forward(vmId, target), $"forwarded to {address}", cancellationToken);
        _logger.Forwarding(vmId, address, _options.ForwardingGrace.TotalSeconds);
    }

    /// <summary>Target: the VM is about to resume here: deliver its traffic to its taps now.</summary>
    public Task ActivateAsync(string vmId, CancellationToken cancellationToken) =>
        SwitchAsync(vmId, o => o.Activate(vmId), "activated", cancellationToken);

    /// <summary>Source: the migration was rolled back and the VM resumes here: stop forwarding it.</summary>
    public Task ReturnAsync(string vmId, CancellationToken cancellationToken)
    {
        _outgoing.TryRemove(vmId, out _);
        return SwitchAsync(vmId, o => o.Clear(vmId), "returned", cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            _report = _report with { Reason = "NetworkDisabled", Message = "the overlay network is disabled on this node (Network:Enabled is false)" };
            return;
        }

        await LoadAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Connected (or reconnected) to ovs-vswitchd: bridges, routes, taps and flows, all of them.
            await ReplayAsync(stoppingToken);
            using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var monitor = FollowSwitchAsync(session.Token);
            try
            {
                while (!monitor.IsCompleted)
                {
                    await Task.WhenAny(monitor, Task.Delay(_options.CheckInterval, _time, stoppingToken));
                    if (monitor.IsCompleted)
                    {
                        break;
                    }

                    if (!await FlowsInPlaceAsync(stoppingToken))
                    {
                        _logger.SwitchLost("its flows are gone");
                        break;
                    }

                    await ExpireForwardingAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                await session.CancelAsync();
                await monitor.ContinueWith(_ => { }, TaskScheduler.Default);
            }

            if (monitor.IsCompletedSuccessfully)
            {
                _logger.SwitchLost("its connection closed: ovs-vswitchd stopped or restarted");
            }

            _infrastructure = false;
            _installed = null;
            _report = _report with { Ready = false, Reason = "OvsUnavailable", Message = "ovs-vswitchd went away; the flows are replayed when it is back" };
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    private async Task FollowSwitchAsync(CancellationToken cancellationToken)
    {
        await foreach (var _ in _ovs.MonitorAsync(_options.IntegrationBridge, cancellationToken))
        {
            // Flow changes are not acted on one by one: the periodic check and the replay cover any tampering.
        }
    }

    private async Task ReplayAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (await SwitchAnswersAsync(cancellationToken))
                {
                    // The flows first (the switch forgot them all), then the host's side of the switch.
                    _infrastructure = false;
                    _installed = null;
                    await EnsureSwitchAsync(cancellationToken);
                    _ports = await LocalPortsAsync(cancellationToken);
                    await ProgramAsync(full: true, cancellationToken);
                    await EnsureHostSideAsync(cancellationToken);
                    await RemoveOrphanTapsAsync(cancellationToken);
                    if (_infrastructure && _installed is not null)
                    {
                        var elapsed = (long)_time.GetElapsedTime(started).TotalMilliseconds;
                        _logger.Replayed(_installed.Count, elapsed);

                        // An empty bundle leaves a connected ovs-ofctl waiting for the next switch-over's changes.
                        await _ovs.BundleAsync(_options.IntegrationBridge, "", cancellationToken);
                        await WarmNeighboursAsync(cancellationToken);
                        return;
                    }
                }
            }
            catch (OvsUnavailableException e)
            {
                _report = _report with { Ready = false, Reason = "OvsUnavailable", Message = e.Message };
            }
            finally
            {
                _gate.Release();
            }

            await Task.Delay(ReconnectInterval, _time, cancellationToken);
        }
    }

    // ovs-vswitchd answers on its control socket (its database connection is proven by the setup that follows).
    private async Task<bool> SwitchAnswersAsync(CancellationToken cancellationToken) =>
        (await _ovs.AppctlAsync(["version"], cancellationToken)).Succeeded;

    private async Task<bool> FlowsInPlaceAsync(CancellationToken cancellationToken)
    {
        var dump = await _ovs.OfctlAsync(["dump-flows", _options.IntegrationBridge, $"cookie=0x{FlowCompiler.SentinelCookie:x}/-1"], null, cancellationToken);
        return dump.Succeeded && dump.Stdout.Contains("cookie=0x" + FlowCompiler.SentinelCookie.ToString("x", CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private async Task SwitchAsync(string vmId, Func<PortOverrides, PortOverrides> change, string what, CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        var started = _time.GetTimestamp();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _overrides = change(_overrides);
            _forwardUntil.Remove(vmId);
            var changes = await ProgramIfReadyAsync(cancellationToken);
            var elapsed = (long)_time.GetElapsedTime(started).TotalMilliseconds;
            _logger.Switched(vmId, what, elapsed, changes);
            await PersistAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Overrides the operator's table has caught up with are no longer needed.
    private void DropSettledOverrides()
    {
        foreach (var vmId in _overrides.Activated)
        {
            if (_state.Endpoints.Any(e => e.VmId == vmId && e.Node == _node))
            {
                _overrides = _overrides.Clear(vmId);
            }
        }
    }

    private async Task ExpireForwardingAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var expired = _forwardUntil.Where(f => f.Value <= now).Select(f => f.Key).ToList();
        if (expired.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var vmId in expired)
            {
                _forwardUntil.Remove(vmId);
                _overrides = _overrides.Clear(vmId);
            }

            await PersistAsync(cancellationToken);
            await ProgramIfReadyAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> ProgramIfReadyAsync(CancellationToken cancellationToken)
    {
        if (!_infrastructure)
        {
            // The replay after reconnecting installs everything.
            return 0;
        }

        try
        {
            return await ProgramAsync(full: false, cancellationToken);
        }
        catch (OvsUnavailableException e)
        {
            _report = _report with { Ready = false, Reason = "OvsUnavailable", Message = e.Message };
            return 0;
        }
    }

    // Installs the flows of the current state; the caller holds the gate. Returns the number of flow changes.
    private async Task<int> ProgramAsync(bool full, CancellationToken cancellationToken)
    {
        if (!_infrastructure)
        {
            return 0;
        }

        var (changes, unknownPort) = await TryProgramAsync(full, report: false, cancellationToken);
        if (unknownPort)
        {
            // A tap removed behind the agent's back makes OVS refuse every flow that names it: look again, once.
            _ports = await LocalPortsAsync(cancellationToken);
            (changes, _) = await TryProgramAsync(full: true, report: true, cancellationToken);
        }

        return changes;
    }

    private async Task<(int Changes, bool UnknownPort)> TryProgramAsync(bool full, bool report, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var flows = FlowCompiler.Compile(_state, _node, _ports, _overrides, FlowPort(_options.TunnelPort), GatewayPort is { } gateway ? FlowPort(gateway) : null);
        CommandOutput result;
        int changes;
        if (full || _installed is null)
        {
            var text = string.Join('\n', flows) + "\n";
            result = await _ovs.OfctlAsync(["--bundle", "replace-flows", _options.IntegrationBridge, "-"], text, cancellationToken);
            changes = flows.Count;
        }
        else
        {
            var (text, count) = FlowBundle.Diff(_installed, flows);
            if (count == 0)
            {
                return (0, false);
            }

            result = await _ovs.BundleAsync(_options.IntegrationBridge, text, cancellationToken);
            changes = count;
        }

        if (!result.Succeeded && !report && result.Stderr.Contains("unknown port", StringComparison.Ordinal))
        {
            return (0, true);
        }

        if (!result.Succeeded)
        {
            var unavailable = IsUnavailable(result);
            var reason = unavailable ? "OvsUnavailable" : "FlowsRejected";
            var message = $"ovs-ofctl refused the bundle of {changes} flow changes for {_options.IntegrationBridge}: {result.Error}";
            _report = _report with { Ready = false, Reason = reason, Message = message };
            _logger.NotInstalled(_state.Generation, reason, message);
            if (unavailable)
            {
                _infrastructure = false;
                _installed = null;
            }

            return (0, false);
        }

        _installed = flows.ToDictionary(f => f.Key, StringComparer.Ordinal);
        var local = LocalVms();
        _report = new NetworkReport(_state.Generation, _config is not null, _config is null ? "NotProgrammed" : "", _config is null
            ? "no network config has been pushed by the operator yet; only the bridge's defaults are installed"
            : $"{flows.Count} flows for {_state.Endpoints.Count} interfaces in {_state.Networks.Count} networks, {local.Count} VMs on this host",
            _time.GetUtcNow(), flows.Count, local);
        if (full)
        {
            var elapsed = (long)_time.GetElapsedTime(started).TotalMilliseconds;
            _logger.Installed(_state.Generation, flows.Count, _state.Endpoints.Count, local.Count, elapsed);
        }

        return (changes, false);
    }

    private List<string> LocalVms() =>
        _state.Endpoints
            .Where(e => !_overrides.Forwarded.ContainsKey(e.VmId) && (e.Node == _node || _overrides.Activated.Contains(e.VmId)) && _ports.Any(p => p.VmId == e.VmId && p.Mac == e.Mac))
            .Select(e => e.VmId).Distinct().Order(StringComparer.Ordinal).ToList();

    private string? GatewayPort => _options.GatewayPort.Length > 0 ? _options.GatewayPort : null;

    private string FlowPort(string name) =>
        _switchPorts.TryGetValue(name, out var number) && number > 0 ? number.ToString(CultureInfo.InvariantCulture) : name;

    private static bool IsUnavailable(CommandOutput result) =>
        result.ExitCode == 124 || result.Stderr.Contains("failed to connect", StringComparison.Ordinal)
        || result.Stderr.Contains("Connection refused", StringComparison.Ordinal) || result.Stderr.Contains("is not a bridge", StringComparison.Ordinal)
        || result.Stderr.Contains("No such file or directory", StringComparison.Ordinal) || result.Stderr.Contains("End of file", StringComparison.Ordinal);

    private async Task RequireSwitchAsync(CancellationToken cancellationToken)
    {
        if (!_infrastructure)
        {
            if (!await SwitchAnswersAsync(cancellationToken))
            {
                throw new OvsUnavailableException($"Open vSwitch does not answer at {_options.DatabaseSocket}; the VM's taps cannot be plugged");
            }

            await EnsureInfrastructureAsync(cancellationToken);
        }
    }

    // The bridges and ports the host's overlay needs, idempotently, then the host's side of them; after an ovs-vswitchd
    // restart also what it forgot (OVS's routes, the internal ports' addresses if they were recreated). The caller
    // holds the gate.
    private async Task EnsureInfrastructureAsync(CancellationToken cancellationToken)
    {
        await EnsureSwitchAsync(cancellationToken);
        await EnsureHostSideAsync(cancellationToken);
    }

    // One OVSDB transaction: the integration bridge with its tunnel and gateway ports, the underlay bridge with its link.
    private async Task EnsureSwitchAsync(CancellationToken cancellationToken)
    {
        var bridge = _options.IntegrationBridge;
        var phy = _options.UnderlayBridge;
        List<string> vsctl =
        [
            "--may-exist", "add-br", bridge,
            "--", "set", "bridge", bridge, $"datapath_type={_options.DatapathType}", "fail_mode=secure", "other-config:disable-in-band=true",
            "--", "--may-exist", "add-port", bridge, _options.TunnelPort,
            "--", "set", "interface", _options.TunnelPort, "type=vxlan", "options:remote_ip=flow", "options:key=flow", "options:dst_port=4789",
        ];
        if (_options.UsesUnderlayBridge)
        {
            vsctl.AddRange(["--", "--may-exist", "add-br", phy, "--", "set", "bridge", phy, $"datapath_type={_options.DatapathType}",
                "--", "--may-exist", "add-port", phy, _options.UnderlayInterface]);
        }

        if (GatewayPort is { } port)
        {
            vsctl.AddRange(GatewayPortSettings(port));
        }

        await VsctlOrThrowAsync("create the bridges", vsctl, cancellationToken);
        _infrastructure = true;
    }

    // One ip batch (the tunnel endpoint's address, the links up, a route per overlay pool through the gateway port),
    // then OVS's own routes for the tunnels.
    private async Task EnsureHostSideAsync(CancellationToken cancellationToken)
    {
        var phy = _options.UnderlayBridge;
        var address = _options.UnderlayAddress;
        List<string> ip = [];
        if (_options.UsesUnderlayBridge)
        {
            // The tunnel endpoint lives on the underlay bridge (userspace tunnels leave through it), without a connected
            // route: the host's own traffic (the agent, migration streams) keeps its interface and the kernel's datapath.
            ip.AddRange([$"addr del {address} dev {_options.UnderlayInterface}", $"link set dev {_options.UnderlayInterface} up",
                $"addr replace {address} dev {phy} noprefixroute", $"link set dev {phy} up"]);
        }

        if (GatewayPort is { } port)
        {
            // The kernel's neighbours through the gateway port went unresolved while the switch was away, and an
            // unresolved one is retried only every second: forget them, so the next packet asks (and is answered) at once.
            ip.Add($"link set dev {port} mtu {_state.Mtu.ToString(CultureInfo.InvariantCulture)} up");
            ip.AddRange(Pools.Select(p => $"route replace {p} dev {port}"));
            ip.Add($"neigh flush dev {port}");
        }

        await SetupStepAsync("address and bring up the underlay and gateway links", _links.BatchAsync(ip, cancellationToken));
        if (_options.UsesUnderlayBridge && _options.Underlay is { } underlay)
        {
            await AppctlOrThrowAsync("route the underlay subnet", ["ovs/route/add", underlay.Subnet.ToString(), phy], cancellationToken);
            foreach (var (destination, gateway) in _options.Routes)
            {
                await AppctlOrThrowAsync($"route {destination}", ["ovs/route/add", destination.ToString(), phy, Ipv4Prefix.FormatAddress(gateway)], cancellationToken);
            }
        }

        await RouteGatewayAsync(cancellationToken);
    }

    private List<Ipv4Prefix> Pools => _state.Networks.SelectMany(n => n.Pools).Select(p => p.Cidr).ToList();

    private string[] GatewayPortSettings(string port) =>
        ["--", "--may-exist", "add-port", _options.IntegrationBridge, port,
         "--", "set", "interface", port, "type=internal", $"mac=\"{_state.GatewayMac}\"", $"mtu_request={_state.Mtu.ToString(CultureInfo.InvariantCulture)}"];

    // The gateway port's MAC, MTU and routes follow the config (its MAC is every pool gateway's).
    private async Task EnsureGatewayAsync(CancellationToken cancellationToken)
    {
        if (GatewayPort is not { } port)
        {
            return;
        }

        await VsctlOrThrowAsync("configure the gateway port", GatewayPortSettings(port)[1..], cancellationToken);
        List<string> ip = [$"link set dev {port} mtu {_state.Mtu.ToString(CultureInfo.InvariantCulture)} up", .. Pools.Select(p => $"route replace {p} dev {port}")];
        await SetupStepAsync("bring up and route the gateway port", _links.BatchAsync(ip, cancellationToken));
        await RouteGatewayAsync(cancellationToken);
    }

    // Forwarding on, and no route through the gateway port to a pool that is gone.
    private async Task RouteGatewayAsync(CancellationToken cancellationToken)
    {
        if (GatewayPort is not { } port)
        {
            return;
        }

        try
        {
            await _links.EnableForwardingAsync(cancellationToken);
        }
        catch (IOException e)
        {
            _logger.SetupFailed("enable IPv4 forwarding for the gateway", e.Message);
        }

        await SetupStepAsync("remove routes of pools that are gone", _links.RemoveStaleRoutesAsync(port, Pools, cancellationToken));
    }

    // Userspace tunnels drop the first packets to a next hop they have no MAC for: ask for each one now (the reply,
    // snooped by OVS, fills its tunnel neighbour cache) so the first packet after a restart or a move goes through.
    private async Task WarmNeighboursAsync(CancellationToken cancellationToken)
    {
        if (!_options.UsesUnderlayBridge || _options.Underlay is not { } underlay || await _links.MacAsync(_options.UnderlayBridge, cancellationToken) is not { } mac)
        {
            return;
        }

        var nextHops = _state.Nodes.Where(n => n.Name != _node).Select(n => underlay.Subnet.Contains(n.UnderlayIp)
                ? n.UnderlayIp
                : _options.Routes.Where(r => r.Destination.Contains(n.UnderlayIp)).Select(r => (uint?)r.Gateway).FirstOrDefault())
            .Where(h => h is not null).Select(h => h!.Value)
            .Concat(_options.Routes.Select(r => r.Gateway))
            .Distinct();
        foreach (var hop in nextHops)
        {
            var packet = ArpRequest(mac, underlay.Address, hop);
            await _ovs.OfctlAsync(["packet-out", _options.UnderlayBridge, $"in_port=LOCAL,packet={packet},actions=NORMAL"], null, cancellationToken);
        }
    }

    private static string ArpRequest(string mac, uint sender, uint target)
    {
        var source = mac.Replace(":", "", StringComparison.Ordinal);
        return "ffffffffffff" + source + "0806" + "0001080006040001" + source + sender.ToString("x8", CultureInfo.InvariantCulture)
            + "000000000000" + target.ToString("x8", CultureInfo.InvariantCulture);
    }

    private async Task<string?> PlugOneAsync(string vmId, int index, VmNic nic, CancellationToken cancellationToken)
    {
        var mtu = nic.Address?.Mtu is > 0 and var m ? m : _state.Mtu;
        if (await _links.EnsureTapAsync(nic.TapDevice, mtu, cancellationToken) is { } tapError)
        {
            return $"the host refused tap '{nic.TapDevice}': {tapError}";
        }

        var added = await _ovs.VsctlAsync([
            "--may-exist", "add-port", _options.IntegrationBridge, nic.TapDevice,
            "--", "set", "interface", nic.TapDevice, $"external_ids:vm-id={vmId}", $"external_ids:attached-mac=\"{nic.Mac}\"",
            $"external_ids:iface-id={vmId}/{index.ToString(CultureInfo.InvariantCulture)}",
        ], cancellationToken);
        if (!added.Succeeded)
        {
            await _links.DeleteAsync(nic.TapDevice, cancellationToken);
            return $"Open vSwitch refused port '{nic.TapDevice}': {added.Error}";
        }

        var state = await _ovs.VsctlAsync(["get", "interface", nic.TapDevice, "ofport", "error"], cancellationToken);
        var lines = state.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (!state.Succeeded || lines.Length < 1 || lines[0].Trim() is "-1" or "[]" || (lines.Length > 1 && lines[1].Trim() is not ("[]" or "\"\"")))
        {
            var why = lines.Length > 1 ? lines[1].Trim().Trim('"') : state.Error;
            await RemovePortAsync(nic.TapDevice, cancellationToken);
            return $"Open vSwitch refused port '{nic.TapDevice}': {why}";
        }

        _logger.Plugged(vmId, nic.TapDevice, nic.Mac, _options.IntegrationBridge);
        return null;
    }

    private async Task RemovePortAsync(string name, CancellationToken cancellationToken)
    {
        await _ovs.VsctlAsync(["--if-exists", "del-port", _options.IntegrationBridge, name], cancellationToken);
        await _links.DeleteAsync(name, cancellationToken);
    }

    private async Task RemoveOrphanTapsAsync(CancellationToken cancellationToken)
    {
        if (_knownVms is null || _ports.Count == 0)
        {
            return;
        }

        var known = (await _knownVms(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        foreach (var orphan in _ports.Where(p => !known.Contains(p.VmId)).ToList())
        {
            await RemovePortAsync(orphan.Name, cancellationToken);
            _logger.Unplugged(orphan.VmId, orphan.Name);
        }

        _ports = _ports.Where(p => known.Contains(p.VmId)).ToList();
    }

    // The VM taps on the integration bridge, and every port's OpenFlow number (flows name ports by number).
    private async Task<List<LocalPort>> LocalPortsAsync(CancellationToken cancellationToken)
    {
        var listed = await _ovs.VsctlAsync(["--format=json", "--columns=name,external_ids,ofport", "list", "interface"], cancellationToken);
        if (!listed.Succeeded)
        {
            return _ports;
        }

        var all = ParsePorts(listed.Stdout).ToList();
        _switchPorts = all.ToDictionary(p => p.Name, p => p.OfPort, StringComparer.Ordinal);
        return all.Where(p => p.Port is not null).Select(p => p.Port!).ToList();
    }

    // Port name → the VM it belongs to ("" for ports of no VM); all: also ports of no VM.
    private async Task<Dictionary<string, string>> ReadPortsAsync(bool all, CancellationToken cancellationToken)
    {
        var listed = await _ovs.VsctlAsync(["--format=json", "--columns=name,external_ids,ofport", "list", "interface"], cancellationToken);
        if (!listed.Succeeded)
        {
            throw new OvsUnavailableException($"cannot list the switch's ports: {listed.Error}");
        }

        return ParsePorts(listed.Stdout).Where(p => all || p.Port is not null)
            .ToDictionary(p => p.Name, p => p.Port?.VmId ?? "", StringComparer.Ordinal);
    }

    private static IEnumerable<(string Name, int OfPort, LocalPort? Port)> ParsePorts(string json)
    {
        var root = JsonNode.Parse(json);
        foreach (var row in root?["data"]?.AsArray() ?? [])
        {
            var name = row?[0]?.GetValue<string>();
            if (name is null)
            {
                continue;
            }

            var ids = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in row?[1]?[1]?.AsArray() ?? [])
            {
                ids[pair![0]!.GetValue<string>()] = pair[1]!.GetValue<string>();
            }

            // ofport is a number once OVS assigned one (["set", []] before; -1 when the port failed).
            var ofport = row?[2] is JsonValue value && value.TryGetValue<int>(out var number) ? number : 0;
            yield return ids.TryGetValue("vm-id", out var vm) && ids.TryGetValue("attached-mac", out var mac)
                ? (name, ofport, new LocalPort(name, vm, mac, ofport))
                : (name, ofport, null);
        }
    }

    private async Task VsctlOrThrowAsync(string step, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var result = await _ovs.VsctlAsync(args, cancellationToken);
        if (!result.Succeeded)
        {
            throw new OvsUnavailableException($"{step}: ovs-vsctl failed: {result.Error}");
        }
    }

    private async Task AppctlOrThrowAsync(string step, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var result = await _ovs.AppctlAsync(args, cancellationToken);
        if (!result.Succeeded)
        {
            throw new OvsUnavailableException($"{step}: ovs-appctl {string.Join(' ', args)} failed: {result.Error}");
        }
    }

    private async Task SetupStepAsync(string step, Task<string?> action)
    {
        if (await action is { } error)
        {
            _logger.SetupFailed(step, error);
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(_options.StateDirectory, StateFile);
        if (!File.Exists(path))
        {
            return;
        }

        try
        {
            var root = JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken))!.AsObject();
            var config = V1.NetworkConfig.Parser.ParseJson(root["config"]!.ToJsonString());
            if (NetworkConfigReader.Read(config, out _) is { } state)
            {
                _config = config;
                _state = state;
            }

            foreach (var vm in root["activated"]?.AsArray() ?? [])
            {
                _overrides = _overrides.Activate(vm!.GetValue<string>());
            }

            foreach (var (vm, target) in root["forwarded"]?.AsObject() ?? [])
            {
                _overrides = _overrides.Forward(vm, Ipv4Prefix.ParseAddress(target!["to"]!.GetValue<string>()));
                if (target["until"]?.GetValue<DateTimeOffset>() is { } until)
                {
                    _forwardUntil[vm] = until;
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidProtocolBufferException or FormatException or InvalidOperationException or NullReferenceException or IOException)
        {
            _logger.StateUnreadable(path, e.Message);
        }
    }

    private async Task PersistAsync(CancellationToken cancellationToken)
    {
        if (_config is null)
        {
            return;
        }

        var forwarded = new JsonObject();
        foreach (var (vm, target) in _overrides.Forwarded)
        {
            forwarded[vm] = new JsonObject
            {
                ["to"] = Ipv4Prefix.FormatAddress(target),
                ["until"] = _forwardUntil.TryGetValue(vm, out var until) ? JsonValue.Create(until) : null,
            };
        }

        var root = new JsonObject
        {
            ["config"] = JsonNode.Parse(JsonFormatter.Default.Format(_config)),
            ["activated"] = new JsonArray(_overrides.Activated.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            ["forwarded"] = forwarded,
        };
        Directory.CreateDirectory(_options.StateDirectory);
        var path = Path.Combine(_options.StateDirectory, StateFile);
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, root.ToJsonString(), cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }
}
