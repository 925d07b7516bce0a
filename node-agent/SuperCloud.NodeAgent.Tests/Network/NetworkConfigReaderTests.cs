using SuperCloud.NodeAgent.Network;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Tests.Network;

public sealed class NetworkConfigReaderTests
{
    private static V1.NetworkConfig Valid()
    {
        var config = new V1.NetworkConfig { Generation = "g1", GatewayMac = "02:5c:00:00:00:01", Mtu = 1450 };
        var network = new V1.OverlayNetwork { Name = "default", Vni = 4096 };
        network.Pools.Add(new V1.OverlayPool { Cidr = "10.200.0.0/24", Gateway = "10.200.0.1", Cluster = "aws" });
        config.Networks.Add(network);
        config.Nodes.Add(new V1.NetworkNode { Name = "h1", UnderlayIp = "10.1.1.101", Addresses = { "10.1.1.11" } });
        config.Endpoints.Add(new V1.NetworkEndpoint { VmId = "vm-a", Interface = "eth0", Ip = "10.200.0.2", Mac = "0a:00:00:00:00:0a", Vni = 4096, Node = "h1", Superpod = "default/a" });
        return config;
    }

    [Fact]
    public void A_valid_config_becomes_the_overlay_state()
    {
        var state = NetworkConfigReader.Read(Valid(), out var errors);

        errors.Should().BeEmpty();
        state!.Generation.Should().Be("g1");
        state.Networks.Single().Pools.Single().Cidr.ToString().Should().Be("10.200.0.0/24");
        state.Endpoints.Single().Node.Should().Be("h1");
    }

    public static TheoryData<string, Action<V1.NetworkConfig>, string> BadConfigs() => new()
    {
        { "no generation", c => c.Generation = "", "generation: is required" },
        { "a multicast gateway MAC", c => c.GatewayMac = "01:00:5e:00:00:01", "gatewayMac: must be a unicast MAC" },
        { "an MTU too small", c => c.Mtu = 100, "mtu: must be between 576 and 9000, got 100" },
        { "a VNI of 25 bits", c => c.Networks[0].Vni = 1 << 24, "networks[0].vni: must be between 1 and 16777215" },
        { "a pool with host bits", c => c.Networks[0].Pools[0].Cidr = "10.200.0.5/24", "networks[0].pools[0].cidr: '10.200.0.5/24' has host bits set" },
        { "a gateway outside its pool", c => c.Networks[0].Pools[0].Gateway = "10.9.0.1", "networks[0].pools[0].gateway: must be a host address of 10.200.0.0/24" },
        { "an endpoint outside every pool", c => c.Endpoints[0].Ip = "10.7.0.2", "endpoints[0].ip: 10.7.0.2 is no host address of a pool of network 'default'" },
        { "an endpoint on the gateway address", c => c.Endpoints[0].Ip = "10.200.0.1", "endpoints[0].ip: 10.200.0.1 is no host address" },
        { "a malformed endpoint MAC", c => c.Endpoints[0].Mac = "0a:00:00:00:00", "endpoints[0].mac: must be a unicast MAC other than the gateway's" },
        { "an endpoint with the gateway MAC", c => c.Endpoints[0].Mac = "02:5c:00:00:00:01", "endpoints[0].mac" },
        { "an endpoint of no network", c => c.Endpoints[0].Vni = 5000, "endpoints[0].vni: 5000 is the VNI of no network" },
        { "a node address inside a pool", c => c.Nodes[0].Addresses.Add("10.200.0.9"), "nodes[0]: address 10.200.0.9 lies in the overlay pool 10.200.0.0/24" },
        {
            "two endpoints with one address",
            c => c.Endpoints.Add(new V1.NetworkEndpoint { VmId = "vm-b", Interface = "eth0", Ip = "10.200.0.2", Mac = "0a:00:00:00:00:0b", Vni = 4096, Node = "h1", Superpod = "default/b" }),
            "endpoints[1].ip: 10.200.0.2 is also the address of default/a"
        },
        {
            "two networks with one VNI",
            c => c.Networks.Add(new V1.OverlayNetwork { Name = "other", Vni = 4096 }),
            "networks[1].vni: 4096 is also the VNI of network 'default'"
        },
        {
            "overlapping pools",
            c => c.Networks.Add(new V1.OverlayNetwork { Name = "other", Vni = 4097, Pools = { new V1.OverlayPool { Cidr = "10.200.0.128/25", Gateway = "10.200.0.129" } } }),
            "networks[1].pools[0].cidr: 10.200.0.128/25 overlaps 10.200.0.0/24 (networks[0].pools[0].cidr)"
        },
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void A_bad_config_is_refused_naming_the_field(string what, Action<V1.NetworkConfig> spoil, string expected)
    {
        var config = Valid();
        spoil(config);

        var state = NetworkConfigReader.Read(config, out var errors);

        state.Should().BeNull(what);
        errors.Should().Contain(e => e.Contains(expected, StringComparison.Ordinal), what);
    }
}
