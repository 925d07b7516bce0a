using SuperCloud.Crds.Networking;

namespace SuperCloud.NodeAgent.Network;

/// <summary>Settings of the agent's overlay network; bound from the <c>Network</c> configuration section.</summary>
public sealed class NetworkOptions
{
    /// <summary>Whether the agent programs Open vSwitch; without it VMs get no overlay NIC and ApplyNetwork says so.</summary>
    public bool Enabled { get; set; }

    /// <summary>The run directory of the host's Open vSwitch (<c>OVS_RUNDIR</c>): its database socket, management sockets and pid files.</summary>
    public string OvsRunDirectory { get; set; } = "/var/run/openvswitch";

    /// <summary>The OVSDB socket; <c>unix:OVS_RUNDIR/db.sock</c> when empty.</summary>
    public string Database { get; set; } = "";

    /// <summary>
    /// The bridges' datapath: <c>netdev</c> (userspace; tunnels route through <see cref="UnderlayBridge"/>) where the kernel
    /// module is missing, <c>system</c> (the kernel datapath; tunnels use the kernel's routes) where it exists.
    /// </summary>
    public string DatapathType { get; set; } = "netdev";

    /// <summary>The integration bridge: VM taps, the VXLAN port and the gateway port.</summary>
    public string IntegrationBridge { get; set; } = "br-int";

    /// <summary>The VXLAN port of the integration bridge (remote_ip=flow, key=flow).</summary>
    public string TunnelPort { get; set; } = "vxlan0";

    /// <summary>The integration bridge's internal port through which the host's kernel routes between the underlay and the overlay; empty: no gateway.</summary>
    public string GatewayPort { get; set; } = "sc-gw";

    /// <summary>With the netdev datapath: the bridge that holds the underlay address, through which userspace tunnels leave.</summary>
    public string UnderlayBridge { get; set; } = "br-phy";

    /// <summary>With the netdev datapath: the host interface that carries the tunnels (a port of <see cref="UnderlayBridge"/>).</summary>
    public string UnderlayInterface { get; set; } = "";

    /// <summary>This host's tunnel endpoint with its prefix (<c>10.1.1.21/24</c>): the SuperNode's spec.underlayIP.</summary>
    public string UnderlayAddress { get; set; } = "";

    /// <summary>Further underlay destinations for tunnels, <c>CIDR via GATEWAY</c> (other clouds through the cloud's gateway).</summary>
    public List<string> UnderlayRoutes { get; set; } = [];

    /// <summary>
    /// The named network namespace whose links the agent programs (taps, the underlay bridge's address, the gateway's
    /// routes); empty: its own. For an agent that runs outside the host's network namespace, as in a container.
    /// </summary>
    public string Namespace { get; set; } = "";

    /// <summary>Where the last config pushed by the operator is kept, to be replayed after a restart.</summary>
    public string StateDirectory { get; set; } = "/var/lib/supercloud/network";

    /// <summary>How often the flows are checked for being in place (a restart of ovs-vswitchd is noticed at once anyway).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the source of a migration keeps forwarding a VM's traffic to its new host after the VM left.</summary>
    public TimeSpan ForwardingGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one OVS or ip command may take.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The database socket in use.</summary>
    public string DatabaseSocket => string.IsNullOrEmpty(Database) ? $"unix:{Path.Combine(OvsRunDirectory, "db.sock")}" : Database;

    /// <summary>Whether userspace tunnels need the underlay bridge.</summary>
    public bool UsesUnderlayBridge => DatapathType == "netdev" && UnderlayInterface.Length > 0;

    /// <summary>The tunnel endpoint address and its prefix, from <see cref="UnderlayAddress"/>.</summary>
    public (uint Address, Ipv4Prefix Subnet)? Underlay
    {
        get
        {
            var slash = UnderlayAddress.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || !Ipv4Prefix.TryParseAddress(UnderlayAddress[..slash], out var address)
                || !int.TryParse(UnderlayAddress[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var length) || length is < 1 or > 32)
            {
                return null;
            }

            var mask = uint.MaxValue << (32 - length);
            return (address, new Ipv4Prefix(address & mask, length));
        }
    }

    /// <summary>The parsed <see cref="UnderlayRoutes"/>.</summary>
    public IReadOnlyList<(Ipv4Prefix Destination, uint Gateway)> Routes =>
        UnderlayRoutes.Select(ParseRoute).Where(r => r is not null).Select(r => r!.Value).ToList();

    /// <summary>Returns the problems in these options, each naming its option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enabled)
        {
            return errors;
        }

        if (DatapathType is not ("netdev" or "system"))
        {
            errors.Add($"Network:DatapathType must be 'netdev' or 'system', got '{DatapathType}'");
        }

        foreach (var (name, value) in new[] { ("IntegrationBridge", IntegrationBridge), ("TunnelPort", TunnelPort), ("UnderlayBridge", UnderlayBridge) })
        {
            if (!IsInterfaceName(value))
            {
                errors.Add($"Network:{name} must be an interface name (1-15 letters, digits, '-', '_' or '.'), got '{value}'");
            }
        }

        if (GatewayPort.Length > 0 && !IsInterfaceName(GatewayPort))
        {
            errors.Add($"Network:GatewayPort must be an interface name or empty, got '{GatewayPort}'");
        }

        if (UnderlayInterface.Length > 0 && !IsInterfaceName(UnderlayInterface))
        {
            errors.Add($"Network:UnderlayInterface must be an interface name, got '{UnderlayInterface}'");
        }

        if (Underlay is null)
        {
            errors.Add($"Network:UnderlayAddress must be this host's tunnel endpoint as ADDRESS/PREFIX (10.1.1.21/24), got '{UnderlayAddress}'");
        }

        if (DatapathType == "netdev" && UnderlayInterface.Length == 0)
        {
            errors.Add("Network:UnderlayInterface is required with the netdev datapath: userspace tunnels leave through it (a port of Network:UnderlayBridge)");
        }

        for (var i = 0; i < UnderlayRoutes.Count; i++)
        {
            if (ParseRoute(UnderlayRoutes[i]) is null)
            {
                errors.Add($"Network:UnderlayRoutes:{i} must be 'CIDR via GATEWAY' (10.0.0.0/8 via 10.1.1.1), got '{UnderlayRoutes[i]}'");
            }
        }

        foreach (var (name, value) in new[] { ("CheckInterval", CheckInterval), ("ForwardingGrace", ForwardingGrace), ("CommandTimeout", CommandTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"Network:{name} must be positive, got {value}");
            }
        }

        return errors;
    }

    private static (Ipv4Prefix Destination, uint Gateway)? ParseRoute(string route)
    {
        var parts = route.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is [var cidr, "via", var gateway] && Ipv4Prefix.TryParse(cidr, out var destination, out _) && Ipv4Prefix.TryParseAddress(gateway, out var via)
            ? (destination, via)
            : null;
    }

    private static bool IsInterfaceName(string name) =>
        name.Length is > 0 and <= 15 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
