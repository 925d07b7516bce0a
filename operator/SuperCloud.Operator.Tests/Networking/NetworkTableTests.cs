using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Networking;

namespace SuperCloud.Operator.Tests.Networking;

public sealed class NetworkTableTests
{
    private static readonly OverlayCatalog Catalog = OverlayCatalog.Build([OverlayCatalogTests.Cluster("aws", 0, ("default", 4096, "10.200.0.0/24"))]);

    private static readonly SuperNode[] Nodes =
    [
        Node("n1", "10.1.1.11:7443", "10.1.1.101"),
        Node("n2", "10.1.1.12:7443", null),
        Node("bad", "10.200.0.99:7443", null),
    ];

    [Fact]
    public void Every_interface_of_a_placed_superpod_is_an_endpoint_on_its_node_and_every_node_a_tunnel_endpoint()
    {
        var table = NetworkTable.Build(Catalog, [Pod("a", "n1", "10.200.0.2", "0a:00:00:00:00:01"), Pod("unplaced", null, "10.200.0.3", "0a:00:00:00:00:02")], Nodes);

        table.Endpoints.Should().ContainSingle().Which.Should().BeEquivalentTo(new { VmId = "uid-a", Ip = "10.200.0.2", Mac = "0a:00:00:00:00:01", Vni = 4096u, Node = "n1", Superpod = "default/a" });
        table.Nodes.Select(n => (n.Name, n.UnderlayIp, string.Join(",", n.Addresses))).Should().Equal(("n1", "10.1.1.101", "10.1.1.11"), ("n2", "10.1.1.12", ""));
        table.Networks.Single().Pools.Single().Gateway.Should().Be("10.200.0.1");
        table.GatewayMac.Should().Be(MacAddresses.Gateway);
    }

    [Fact]
    public void An_interface_that_would_make_the_table_invalid_is_left_out_instead_of_stopping_every_host()
    {
        var table = NetworkTable.Build(Catalog,
        [
            Pod("first", "n1", "10.200.0.2", "0a:00:00:00:00:01"),
            Pod("same-ip", "n2", "10.200.0.2", "0a:00:00:00:00:02"),
            Pod("same-mac", "n2", "10.200.0.3", "0a:00:00:00:00:01"),
            Pod("outside", "n2", "10.9.0.3", "0a:00:00:00:00:03"),
            Pod("gateway", "n2", "10.200.0.1", "0a:00:00:00:00:04"),
        ], Nodes);

        table.Endpoints.Select(e => e.Superpod).Should().Equal("default/first");
    }

    [Fact]
    public void The_generation_is_a_digest_of_the_content()
    {
        var pods = new[] { Pod("a", "n1", "10.200.0.2", "0a:00:00:00:00:01") };

        var one = NetworkTable.Build(Catalog, pods, Nodes).Generation;
        var same = NetworkTable.Build(Catalog, pods, Nodes).Generation;
        var moved = NetworkTable.Build(Catalog, [Pod("a", "n2", "10.200.0.2", "0a:00:00:00:00:01")], Nodes).Generation;

        same.Should().Be(one);
        moved.Should().NotBe(one, "the SuperPod moved to another node");
    }

    [Fact]
    public void Nics_carry_the_interfaces_addresses_and_a_tap_name_the_same_on_every_host()
    {
        var pod = Pod("web.frontend", "n1", "10.200.0.2", "0a:00:00:00:00:01");

        var nic = SuperPodNetworking.Nics(pod, "uid-web").Single();

        nic.Should().BeEquivalentTo(new { Ip = "10.200.0.2", PrefixLength = 24, Gateway = "10.200.0.1", Mtu = 1450, Mac = "0a:00:00:00:00:01" });
        nic.TapDevice.Should().Be(SuperPodNetworking.TapName("uid-web", 0)).And.HaveLength(14).And.StartWith("sc");
        SuperPodNetworking.TapName("uid-web", 7).Should().NotBe(nic.TapDevice);
        SuperPodNetworking.Hostname(pod).Should().Be("web-frontend");
    }

    private static SuperPod Pod(string name, string? node, string ip, string mac) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = $"uid-{name}", CreationTimestamp = DateTime.UnixEpoch },
        Spec = new SuperPodSpec
        {
            Resources = new SuperPodResources { Cpu = new ResourceQuantity("1"), Memory = new ResourceQuantity("64Mi") },
            Boot = new BootSource { Image = "supercloud/test-guest:latest" },
            Networks = [new NetworkInterface { Name = "eth0" }],
        },
        Status = new SuperPodStatus
        {
            Node = node,
            Interfaces = [new InterfaceStatus { Name = "eth0", Ip = ip, Mac = mac, Overlay = "default", Vni = 4096, Cidr = "10.200.0.0/24", Mtu = 1450 }],
        },
    };

    private static SuperNode Node(string name, string endpoint, string? underlay) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new SuperNodeSpec { Cluster = "aws", AgentEndpoint = endpoint, UnderlayIp = underlay },
    };
}
