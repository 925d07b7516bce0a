using System.Collections.Immutable;
using SuperCloud.Crds.Networking;
using SuperCloud.NodeAgent.Network;

namespace SuperCloud.NodeAgent.Tests.Network;

/// <summary>The flow compiler, case by case: what host <c>h1</c> installs for an overlay of two networks on three hosts.</summary>
public sealed class FlowCompilerTests
{
    private const string Gw = "02:5c:00:00:00:01";
    private const string Tunnel = "1";
    private const string Gateway = "2";

    // Network default (VNI 4096): a on h1, b on h2, c on h1 without a tap yet. Network isolated (VNI 4097): d on h1, e on h3.
    private static readonly OverlayState State = new(
        "g1", Gw, 1450,
        [
            new OverlaySegment("default", 4096, [Pool("10.200.0.0/24", "aws"), Pool("10.200.1.0/24", "onprem")]),
            new OverlaySegment("isolated", 4097, [Pool("10.201.0.0/24", "aws")]),
        ],
        [
            Endpoint("vm-a", "10.200.0.2", "0a:00:00:00:00:0a", 4096, "h1"),
            Endpoint("vm-b", "10.200.1.2", "0a:00:00:00:00:0b", 4096, "h2"),
            Endpoint("vm-c", "10.200.0.3", "0a:00:00:00:00:0c", 4096, "h1"),
            Endpoint("vm-d", "10.201.0.2", "0a:00:00:00:00:0d", 4097, "h1"),
            Endpoint("vm-e", "10.201.0.3", "0a:00:00:00:00:0e", 4097, "h3"),
        ],
        [Node("h1", "10.1.1.101", "10.1.1.11"), Node("h2", "10.1.2.101", "10.1.2.11"), Node("h3", "10.1.3.101", "10.1.3.11")]);

    private static readonly LocalPort[] Ports = [new("sca", "vm-a", "0a:00:00:00:00:0a", 5), new("scd", "vm-d", "0a:00:00:00:00:0d", 6)];

    public static TheoryData<string, string[], string[]> Cases() => new()
    {
        {
            "a local interface may send ARP and IPv4 from its own addresses only, tagged with its network's VNI",
            [
                "table=0,priority=100,in_port=5,dl_src=0a:00:00:00:00:0a actions=load:0x1000->NXM_NX_REG0[],goto_table:10",
                "table=10,priority=100,arp,in_port=5,arp_spa=10.200.0.2,arp_sha=0a:00:00:00:00:0a actions=goto_table:11",
                "table=10,priority=100,ip,in_port=5,nw_src=10.200.0.2 actions=goto_table:12",
                "table=10,priority=0 actions=drop",
            ],
            []
        },
        {
            "a local interface gets what is addressed to its MAC in its network, from anywhere",
            ["table=30,priority=100,reg0=0x1000,dl_dst=0a:00:00:00:00:0a actions=output:5"],
            []
        },
        {
            "an interface on another host is reached through a tunnel to that host, but never by what came out of a tunnel",
            ["table=30,priority=100,reg0=0x1000,reg1=0/0x1,dl_dst=0a:00:00:00:00:0b actions=set_field:0x1000->tun_id,set_field:10.1.2.101->tun_dst,output:1"],
            ["reg1=0x1/0x1,dl_dst=0a:00:00:00:00:0b"]
        },
        {
            "an interface whose host is this one but whose tap is not plugged yet is delivered nowhere, yet answers ARP",
            ["table=11,priority=100,arp,reg0=0x1000,arp_op=1,arp_tpa=10.200.0.3 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:0a:00:00:00:00:0c->eth_src"],
            ["dl_dst=0a:00:00:00:00:0c actions=output", "dl_dst=0a:00:00:00:00:0c actions=set_field:0x1000->tun_id"]
        },
        {
            "the ARP responder answers for every interface and pool gateway of the asker's own network only",
            [
                "table=11,priority=100,arp,reg0=0x1000,arp_op=1,arp_tpa=10.200.1.2 actions=",
                "table=11,priority=100,arp,reg0=0x1000,arp_op=1,arp_tpa=10.200.0.1 actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:02:5c:00:00:00:01->eth_src",
                "table=11,priority=100,arp,reg0=0x1000,arp_op=1,arp_tpa=10.200.1.1 actions=",
                "table=11,priority=100,arp,reg0=0x1001,arp_op=1,arp_tpa=10.201.0.1 actions=",
                "table=11,priority=0 actions=drop",
            ],
            ["arp,reg0=0x1001,arp_op=1,arp_tpa=10.200", "arp,reg0=0x1000,arp_op=1,arp_tpa=10.201"]
        },
        {
            "traffic to the gateway MAC is routed to interfaces of the same network, across its pools, with the TTL decremented",
            ["table=12,priority=100,ip,reg0=0x1000,dl_dst=02:5c:00:00:00:01,nw_dst=10.200.1.2 actions=dec_ttl,set_field:02:5c:00:00:00:01->eth_src,set_field:0a:00:00:00:00:0b->eth_dst,goto_table:30"],
            ["ip,reg0=0x1000,dl_dst=02:5c:00:00:00:01,nw_dst=10.201", "ip,reg0=0x1001,dl_dst=02:5c:00:00:00:01,nw_dst=10.200"]
        },
        {
            "other networks' addresses and the hosts' own addresses are no destination; the rest leaves by the gateway port",
            [
                "table=12,priority=90,ip,dl_dst=02:5c:00:00:00:01,nw_dst=10.201.0.0/24 actions=drop",
                "table=12,priority=90,ip,dl_dst=02:5c:00:00:00:01,nw_dst=10.200.0.0/24 actions=drop",
                "table=12,priority=90,ip,dl_dst=02:5c:00:00:00:01,nw_dst=10.1.2.11 actions=drop",
                "table=12,priority=90,ip,dl_dst=02:5c:00:00:00:01,nw_dst=10.1.1.101 actions=drop",
                "table=12,priority=80,ip,dl_dst=02:5c:00:00:00:01 actions=output:2",
                "table=12,priority=70,dl_dst=02:5c:00:00:00:01 actions=drop",
                "table=12,priority=10 actions=goto_table:30",
            ],
            []
        },
        {
            "the host's kernel reaches every interface through the gateway port but never with an overlay source (no hairpin between networks)",
            [
                "table=0,priority=100,in_port=2 actions=load:0x2->NXM_NX_REG1[],goto_table:20",
                "table=20,priority=200,ip,nw_src=10.200.0.0/24 actions=drop",
                "table=20,priority=200,ip,nw_src=10.201.0.0/24 actions=drop",
                "table=20,priority=200,arp,arp_spa=10.200.1.0/24 actions=drop",
                "table=20,priority=100,ip,nw_dst=10.201.0.3 actions=load:0x1001->NXM_NX_REG0[],set_field:02:5c:00:00:00:01->eth_src,set_field:0a:00:00:00:00:0e->eth_dst,goto_table:30",
                "table=20,priority=100,arp,arp_op=1,arp_tpa=10.200.0.2 actions=",
            ],
            []
        },
        {
            "tunnels are accepted from the other hosts' underlay addresses only and keep their VNI",
            [
                "table=0,priority=100,in_port=1,tun_src=10.1.2.101 actions=move:NXM_NX_TUN_ID[0..23]->NXM_NX_REG0[0..23],load:0x1->NXM_NX_REG1[],goto_table:30",
                "table=0,priority=100,in_port=1,tun_src=10.1.3.101 actions=",
                "table=0,priority=0 actions=drop",
            ],
            ["tun_src=10.1.1.101"]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compiled_flows_for_the_local_host(string behaviour, string[] present, string[] absent)
    {
        var flows = Text(FlowCompiler.Compile(State, "h1", Ports, PortOverrides.None, Tunnel, Gateway));

        foreach (var flow in present)
        {
            flows.Should().Contain(f => f.StartsWith(flow, StringComparison.Ordinal), behaviour);
        }

        foreach (var fragment in absent)
        {
            flows.Should().NotContain(f => f.Contains(fragment, StringComparison.Ordinal), behaviour);
        }
    }

    [Fact]
    public void Every_flow_has_its_own_table_priority_and_match_and_the_sentinel_is_table_0s_default()
    {
        var flows = FlowCompiler.Compile(State, "h1", Ports, PortOverrides.None, Tunnel, Gateway);

        flows.Select(f => f.Key).Should().OnlyHaveUniqueItems();
        flows.Should().ContainSingle(f => f.Cookie == FlowCompiler.SentinelCookie).Which.Key.Should().Be("table=0,priority=0");
        flows.Where(f => f.Match.Contains("0a:00:00:00:00:0a", StringComparison.Ordinal)).Should().OnlyContain(f => f.Cookie == FlowCompiler.VmCookie("vm-a"));
    }

    [Fact]
    public void A_host_without_a_gateway_port_has_no_way_between_its_kernel_and_the_overlay()
    {
        var flows = Text(FlowCompiler.Compile(State, "h1", Ports, PortOverrides.None, Tunnel, gatewayPort: null));

        flows.Should().NotContain(f => f.StartsWith("table=20", StringComparison.Ordinal) && !f.Contains("priority=0", StringComparison.Ordinal));
        flows.Should().NotContain(f => f.Contains("output:2", StringComparison.Ordinal));
        flows.Should().Contain("table=12,priority=70,dl_dst=02:5c:00:00:00:01 actions=drop");
    }

    [Fact]
    public void An_activated_vm_is_delivered_locally_before_the_table_says_it_runs_here()
    {
        var ports = Ports.Append(new LocalPort("scb", "vm-b", "0a:00:00:00:00:0b", 7)).ToArray();
        var before = Text(FlowCompiler.Compile(State, "h1", ports, PortOverrides.None, Tunnel, Gateway));
        var after = Text(FlowCompiler.Compile(State, "h1", ports, PortOverrides.None.Activate("vm-b"), Tunnel, Gateway));

        before.Should().Contain(f => f.StartsWith("table=30,priority=100,reg0=0x1000,reg1=0/0x1,dl_dst=0a:00:00:00:00:0b actions=set_field:0x1000->tun_id,set_field:10.1.2.101", StringComparison.Ordinal));
        before.Should().Contain("table=30,priority=101,reg0=0x1000,reg1=0x1/0x1,tun_src=10.1.2.101,dl_dst=0a:00:00:00:00:0b actions=output:7",
            "what the source forwards once the VM is paused for good waits in the incoming tap");
        before.Should().NotContain(f => f.Contains("in_port=7", StringComparison.Ordinal), "the incoming copy sends nothing before it runs here");
        after.Should().Contain("table=30,priority=100,reg0=0x1000,dl_dst=0a:00:00:00:00:0b actions=output:7");
        after.Should().Contain(f => f.StartsWith("table=0,priority=100,in_port=7,dl_src=0a:00:00:00:00:0b", StringComparison.Ordinal));
    }

    [Fact]
    public void A_vm_that_left_is_forwarded_to_its_new_host_also_from_tunnels_but_never_back_to_it()
    {
        var target = Ipv4Prefix.ParseAddress("10.1.3.101");
        var flows = Text(FlowCompiler.Compile(State, "h1", Ports, PortOverrides.None.Forward("vm-a", target), Tunnel, Gateway));

        flows.Should().Contain("table=30,priority=110,reg0=0x1000,reg1=0x1/0x1,tun_src=10.1.3.101,dl_dst=0a:00:00:00:00:0a actions=drop");
        flows.Should().Contain("table=30,priority=105,reg0=0x1000,reg1=0x1/0x1,dl_dst=0a:00:00:00:00:0a actions=set_field:0x1000->tun_id,set_field:10.1.3.101->tun_dst,IN_PORT");
        flows.Should().Contain("table=30,priority=100,reg0=0x1000,dl_dst=0a:00:00:00:00:0a actions=set_field:0x1000->tun_id,set_field:10.1.3.101->tun_dst,output:1");
        flows.Should().NotContain(f => f.Contains("in_port=5", StringComparison.Ordinal), "the paused copy here sends nothing any more");
    }

    [Fact]
    public void Activation_clears_a_forwarding_pointer_and_forwarding_clears_an_activation()
    {
        var overrides = PortOverrides.None.Forward("vm-a", 1).Activate("vm-a");
        overrides.Forwarded.Should().BeEmpty();
        overrides.Activated.Should().Equal("vm-a");

        overrides = overrides.Forward("vm-a", 2);
        overrides.Activated.Should().BeEmpty();
        overrides.Forwarded.Should().Equal(ImmutableDictionary<string, uint>.Empty.Add("vm-a", 2));
    }

    [Fact]
    public void An_empty_overlay_drops_everything()
    {
        var flows = Text(FlowCompiler.Compile(OverlayState.Empty, "h1", [], PortOverrides.None, Tunnel, Gateway));

        flows.Should().Contain("table=0,priority=100,in_port=2 actions=load:0x2->NXM_NX_REG1[],goto_table:20");
        flows.Where(f => f.Contains("output", StringComparison.Ordinal)).Should().Equal("table=12,priority=80,ip,dl_dst=02:5c:00:00:00:01 actions=output:2");
    }

    private static List<string> Text(IEnumerable<OpenFlowRule> flows) =>
        flows.Select(f => $"{f.Key} actions={f.Actions}").ToList();

    private static OverlayPool Pool(string cidr, string cluster)
    {
        var prefix = Ipv4Prefix.Parse(cidr);
        return new OverlayPool(prefix, prefix.Network + 1, cluster);
    }

    private static OverlayEndpoint Endpoint(string vm, string ip, string mac, uint vni, string node) =>
        new(vm, "eth0", Ipv4Prefix.ParseAddress(ip), mac, vni, node, "default/" + vm);

    private static OverlayNode Node(string name, string underlay, string agent) =>
        new(name, Ipv4Prefix.ParseAddress(underlay), [Ipv4Prefix.ParseAddress(agent)]);
}
