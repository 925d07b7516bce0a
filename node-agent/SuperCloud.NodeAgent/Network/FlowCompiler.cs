using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SuperCloud.Crds.Networking;

namespace SuperCloud.NodeAgent.Network;

/// <summary>
/// Compiles the overlay's desired state into this host's OpenFlow tables — a pure function, so every rule is tested
/// from a table of cases. The pipeline:
/// <list type="table">
/// <item><term>0 classify</term><description>a VM's tap (with its own MAC) sets reg0 = its VNI; the VXLAN port (from a known node) sets
/// reg0 = the packet's VNI and marks it tunnelled; the gateway port (the host's kernel) marks it as such; anything else is dropped.</description></item>
/// <item><term>10 port security</term><description>a VM may send ARP and IPv4 only from its own address and MAC.</description></item>
/// <item><term>11 ARP responder</term><description>answers for every interface and pool gateway of the VM's network; nothing is flooded.</description></item>
/// <item><term>12 route</term><description>to the gateway MAC: another interface of the same VNI (routed between pools), otherwise out of the
/// gateway port — except overlay addresses of other networks and the nodes' own addresses; other frames go on by MAC.</description></item>
/// <item><term>20 from the gateway</term><description>the host's kernel reaches any interface (clients), never with an overlay source (no
/// hairpin between networks through the host).</description></item>
/// <item><term>30 deliver</term><description>by VNI and MAC: to a local tap, or into a tunnel to the node that runs the VM; tunnelled traffic is
/// never tunnelled again, except by a forwarding pointer the source of a migration keeps for a VM that just left.</description></item>
/// </list>
/// </summary>
public static class FlowCompiler
{
    /// <summary>The cookie of the bridge's own flows.</summary>
    public const ulong BridgeCookie = 0x5c00_0000_0000_0001;

    /// <summary>The cookie of table 0's default drop, which <see cref="NetworkAgent"/> looks for to notice lost flows.</summary>
    public const ulong SentinelCookie = 0x5c00_0000_0000_005c;

    /// <summary>Table numbers.</summary>
    public const int ClassifyTable = 0, PortSecurityTable = 10, ArpTable = 11, RouteTable = 12, GatewayTable = 20, DeliverTable = 30;

    private const string Reg0 = "NXM_NX_REG0[]";
    private const string Reg1 = "NXM_NX_REG1[]";

    /// <summary>
    /// The flows of host <paramref name="localNode"/> for <paramref name="state"/>, with its VM taps <paramref name="ports"/>
    /// and the switch-over <paramref name="overrides"/>; ports are named by OpenFlow number where known (a name otherwise);
    /// <paramref name="gatewayPort"/> is null on hosts without a gateway.
    /// </summary>
    public static IReadOnlyList<OpenFlowRule> Compile(
        OverlayState state, string localNode, IReadOnlyCollection<LocalPort> ports, PortOverrides overrides, string tunnelPort, string? gatewayPort)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(overrides);
        var flows = new List<OpenFlowRule>();
        var gw = state.GatewayMac;
        var underlayOf = state.Nodes.ToDictionary(n => n.Name, n => n.UnderlayIp, StringComparer.Ordinal);
        var portOf = ports.GroupBy(p => (p.VmId, p.Mac)).ToDictionary(g => g.Key, g => g.First().FlowPort);

        void Add(int table, int priority, string match, string actions, ulong cookie = BridgeCookie) =>
            flows.Add(new OpenFlowRule(table, priority, match, actions, cookie));

        // Table 0: where did the packet come from?
        Add(ClassifyTable, 0, "", "drop", SentinelCookie);
        foreach (var node in state.Nodes.Where(n => n.Name != localNode).OrderBy(n => n.UnderlayIp))
        {
            Add(ClassifyTable, 100, $"in_port={tunnelPort},tun_src={Ip(node.UnderlayIp)}",
                $"move:NXM_NX_TUN_ID[0..23]->NXM_NX_REG0[0..23],load:0x1->{Reg1},goto_table:{DeliverTable}");
        }

        if (gatewayPort is not null)
        {
            Add(ClassifyTable, 100, $"in_port={gatewayPort}", $"load:0x2->{Reg1},goto_table:{GatewayTable}");
        }

        // Where each interface is: here (its tap), on another node (a tunnel), or nowhere this host can reach.
        var places = new List<(OverlayEndpoint Endpoint, Place Place)>();
        foreach (var endpoint in state.Endpoints)
        {
            places.Add((endpoint, Locate(endpoint, localNode, portOf, overrides, underlayOf)));
        }

        Add(PortSecurityTable, 0, "", "drop");
        Add(ArpTable, 0, "", "drop");
        Add(GatewayTable, 0, "", "drop");
        Add(DeliverTable, 0, "", "drop");
        foreach (var (endpoint, place) in places)
        {
            var cookie = VmCookie(endpoint.VmId);
            var ip = Ip(endpoint.Ip);
            var vni = Hex(endpoint.Vni);
            if (place.Kind == PlaceKind.Local)
            {
                var tap = place.Port!;
                Add(ClassifyTable, 100, $"in_port={tap},dl_src={endpoint.Mac}", $"load:{vni}->{Reg0},goto_table:{PortSecurityTable}", cookie);
                Add(PortSecurityTable, 100, $"arp,in_port={tap},arp_spa={ip},arp_sha={endpoint.Mac}", $"goto_table:{ArpTable}", cookie);
                Add(PortSecurityTable, 100, $"ip,in_port={tap},nw_src={ip}", $"goto_table:{RouteTable}", cookie);
                Add(DeliverTable, 100, $"reg0={vni},dl_dst={endpoint.Mac}", $"output:{tap}", cookie);
            }
            else if (place.Kind == PlaceKind.Remote)
            {
                Add(DeliverTable, 100, $"reg0={vni},reg1=0/0x1,dl_dst={endpoint.Mac}", Tunnel(endpoint.Vni, place.Underlay, tunnelPort), cookie);
                if (place.Port is { } incoming)
                {
                    // The incoming copy of a migrating VM: what the source forwards once its VM is paused for good waits in
                    // the tap until the VM resumes here, instead of being lost for the length of the pause.
                    Add(DeliverTable, 101, $"reg0={vni},reg1=0x1/0x1,tun_src={Ip(place.Underlay)},dl_dst={endpoint.Mac}", $"output:{incoming}", cookie);
                }
            }
            else if (place.Kind == PlaceKind.Forwarded)
            {
                // The pointer also carries what peers still tunnel here — back out of the port it came in by (OpenFlow
                // never outputs to the input port otherwise) — but never back to where the VM went.
                Add(DeliverTable, 110, $"reg0={vni},reg1=0x1/0x1,tun_src={Ip(place.Underlay)},dl_dst={endpoint.Mac}", "drop", cookie);
                Add(DeliverTable, 105, $"reg0={vni},reg1=0x1/0x1,dl_dst={endpoint.Mac}", Tunnel(endpoint.Vni, place.Underlay, "IN_PORT"), cookie);
                Add(DeliverTable, 100, $"reg0={vni},dl_dst={endpoint.Mac}", Tunnel(endpoint.Vni, place.Underlay, tunnelPort), cookie);
            }

            // Its address answers ARP and is routed to in its own network wherever it is; the gateway reaches it from any.
            Add(ArpTable, 100, $"arp,reg0={vni},arp_op=1,arp_tpa={ip}", ArpReply(endpoint.Mac, ip), cookie);
            Add(RouteTable, 100, $"ip,reg0={vni},dl_dst={gw},nw_dst={ip}",
                $"dec_ttl,set_field:{gw}->eth_src,set_field:{endpoint.Mac}->eth_dst,goto_table:{DeliverTable}", cookie);
            if (gatewayPort is not null)
            {
                Add(GatewayTable, 100, $"arp,arp_op=1,arp_tpa={ip}", ArpReply(endpoint.Mac, ip), cookie);
                Add(GatewayTable, 100, $"ip,nw_dst={ip}",
                    $"load:{vni}->{Reg0},set_field:{gw}->eth_src,set_field:{endpoint.Mac}->eth_dst,goto_table:{DeliverTable}", cookie);
            }
        }

        foreach (var network in state.Networks)
        {
            foreach (var pool in network.Pools)
            {
                Add(ArpTable, 100, $"arp,reg0={Hex(network.Vni)},arp_op=1,arp_tpa={Ip(pool.Gateway)}", ArpReply(gw, Ip(pool.Gateway)));

                // Overlay addresses are reached inside their network only: never through the host.
                Add(RouteTable, 90, $"ip,dl_dst={gw},nw_dst={pool.Cidr}", "drop");
                if (gatewayPort is not null)
                {
                    Add(GatewayTable, 200, $"ip,nw_src={pool.Cidr}", "drop");
                    Add(GatewayTable, 200, $"arp,arp_spa={pool.Cidr}", "drop");
                }
            }
        }

        // The hosts themselves (agents, tunnel endpoints) are no destination for a SuperPod.
        foreach (var address in state.Nodes.SelectMany(n => n.Addresses.Append(n.UnderlayIp)).Distinct().Order())
        {
            Add(RouteTable, 90, $"ip,dl_dst={gw},nw_dst={Ip(address)}", "drop");
        }

        if (gatewayPort is not null)
        {
            Add(RouteTable, 80, $"ip,dl_dst={gw}", $"output:{gatewayPort}");
        }

        Add(RouteTable, 70, $"dl_dst={gw}", "drop");
        Add(RouteTable, 10, "", $"goto_table:{DeliverTable}");

        // One flow per key: a duplicate would make a bundle fail as a whole.
        return flows.DistinctBy(f => f.Key).ToList();
    }

    /// <summary>The cookie of <paramref name="vmId"/>'s flows: 0x01 then 56 bits of its id's SHA-256.</summary>
    public static ulong VmCookie(string vmId)
    {
        ArgumentNullException.ThrowIfNull(vmId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(vmId));
        return (0x01UL << 56) | (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 8);
    }

    private static Place Locate(
        OverlayEndpoint endpoint, string localNode, Dictionary<(string VmId, string Mac), string> portOf, PortOverrides overrides, Dictionary<string, uint> underlayOf)
    {
        if (overrides.Forwarded.TryGetValue(endpoint.VmId, out var target))
        {
            return new Place(PlaceKind.Forwarded, null, target);
        }

        var here = endpoint.Node == localNode || overrides.Activated.Contains(endpoint.VmId);
        if (here)
        {
            return portOf.TryGetValue((endpoint.VmId, endpoint.Mac), out var port) ? new Place(PlaceKind.Local, port, 0) : new Place(PlaceKind.Nowhere, null, 0);
        }

        return underlayOf.TryGetValue(endpoint.Node, out var underlay)
            ? new Place(PlaceKind.Remote, portOf.GetValueOrDefault((endpoint.VmId, endpoint.Mac)), underlay)
            : new Place(PlaceKind.Nowhere, null, 0);
    }

    private static string Tunnel(uint vni, uint underlay, string tunnelPort) =>
        $"set_field:{Hex(vni)}->tun_id,set_field:{Ip(underlay)}->tun_dst," + (tunnelPort == "IN_PORT" ? "IN_PORT" : $"output:{tunnelPort}");

    // Turns the request around in place: the asker's addresses become the target's, ours the sender's.
    private static string ArpReply(string mac, string ip) =>
        "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:" + mac + "->eth_src,load:0x2->NXM_OF_ARP_OP[],"
        + "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
        + "set_field:" + mac + "->arp_sha,set_field:" + ip + "->arp_spa,IN_PORT";

    private static string Ip(uint address) => Ipv4Prefix.FormatAddress(address);

    private static string Hex(uint value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    private enum PlaceKind
    {
        Nowhere,
        Local,
        Remote,
        Forwarded,
    }

    private sealed record Place(PlaceKind Kind, string? Port, uint Underlay);
}
