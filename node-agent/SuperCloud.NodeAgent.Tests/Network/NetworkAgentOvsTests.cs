using System.Diagnostics;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Network;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Tests.Network;

/// <summary>The agent's network part against a real Open vSwitch (userspace datapath) in a namespace of its own.</summary>
public sealed class NetworkAgentOvsTests : IAsyncLifetime
{
    private const string VmA = "vm-a";
    private const string MacA = "0a:00:00:00:00:0a";
    private const string TapA = "sctesta0";
    private OvsHost? _host;

    private OvsHost Host => _host!;

    public async Task InitializeAsync()
    {
        if (OvsHost.Missing is null)
        {
            _host = await OvsHost.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task The_pushed_table_is_installed_with_local_delivery_to_the_tap_and_a_tunnel_to_the_other_host()
    {
        Skip.If(OvsHost.Missing is not null, OvsHost.Missing);
        await Host.Agent.PlugAsync(SpecA(), CancellationToken.None);

        var report = await Host.Agent.ApplyAsync(Config("g1"), CancellationToken.None);

        report.Ready.Should().BeTrue(report.Message);
        report.Generation.Should().Be("g1");
        report.LocalVms.Should().Equal(VmA);
        var tap = await Host.OfPortAsync(TapA);
        var flows = await Host.FlowsAsync();
        flows.Should().Contain(f => f.Contains($"reg0=0x1000,dl_dst={MacA} actions=output:{tap}", StringComparison.Ordinal));
        flows.Should().Contain(f => f.Contains("dl_dst=0a:00:00:00:00:0b actions=set_field:0x1000->tun_id,set_field:10.123.6.2->tun_dst", StringComparison.Ordinal));
        flows.Should().Contain(f => f.Contains("cookie=0x5c0000000000005c", StringComparison.Ordinal));
        (await Host.Agent.ApplyAsync(Config("g1"), CancellationToken.None)).Ready.Should().BeTrue("a repeated push of the same generation changes nothing");
    }

    [SkippableFact]
    public async Task Port_names_the_host_or_the_switch_refuse_are_an_invalid_spec_naming_the_field()
    {
        Skip.If(OvsHost.Missing is not null, OvsHost.Missing);
        await Host.Agent.PlugAsync(SpecA(), CancellationToken.None);

        foreach (var (tap, why) in new[] { ("br-int", "is an interface of the host's own network"), (TapA, $"is the tap of VM {VmA} on this host"), ("..", "the host refused tap '..'") })
        {
            var spec = new VmSpec("vm-z", 1, 64, new VmBoot(new SuperCloud.Images.ImageSource("registry.example.com/vm/guest", SuperCloud.Images.Digest.Of([1])), ""), [new VmNic("sctestz0", "0a:00:00:00:00:19"), new VmNic(tap, "0a:00:00:00:00:1a")]);

            var refused = await FluentActions.Awaiting(() => Host.Agent.PlugAsync(spec, CancellationToken.None)).Should().ThrowAsync<InvalidVmSpecException>();

            refused.Which.Errors.Should().ContainSingle().Which.Field.Should().Be("spec.nics[1].tapDevice");
            refused.Which.Message.Should().Contain(why);
            (await Host.FlowsAsync()).Should().NotBeEmpty();
        }

        // Nothing of the refused VM stays behind.
        (await new OvsCommands(Host.Options).VsctlAsync(["list-ports", "br-int"], CancellationToken.None)).Stdout.Should().NotContain("sctestz0");
    }

    [SkippableFact]
    public async Task After_ovs_vswitchd_is_killed_and_restarted_every_flow_is_back_within_a_second()
    {
        Skip.If(OvsHost.Missing is not null, OvsHost.Missing);
        await Host.Agent.PlugAsync(SpecA(), CancellationToken.None);
        await Host.Agent.ApplyAsync(Config("g1"), CancellationToken.None);
        var before = (await Host.FlowsAsync()).Order().ToList();

        await Host.KillSwitchAsync();
        await Host.StartSwitchAsync();
        var restarted = Stopwatch.StartNew();
        await Poll.UntilAsync(async () => (await Host.FlowsAsync()).Order().ToList(), flows => flows.SequenceEqual(before), TimeSpan.FromSeconds(10), "the flows are replayed");
        var back = restarted.Elapsed;

        back.Should().BeLessThan(TimeSpan.FromSeconds(1), "the agent notices the restart at once and replays bridges, routes and flows");
        var routes = await new OvsCommands(Host.Options).AppctlAsync(["ovs/route/show"], CancellationToken.None);
        routes.Stdout.Should().Contain("User: 10.123.0.0/16 dev br-phy GW 10.123.5.1", "OVS's own routes are gone with the process and put back");
        Host.Agent.Report().Ready.Should().BeTrue();
    }

    [SkippableFact]
    public async Task A_table_that_cannot_be_installed_keeps_the_previous_flows_says_why_and_is_installed_once_the_switch_is_back()
    {
        Skip.If(OvsHost.Missing is not null, OvsHost.Missing);
        await Host.Agent.PlugAsync(SpecA(), CancellationToken.None);
        await Host.Agent.ApplyAsync(Config("g1"), CancellationToken.None);

        await Host.KillSwitchAsync();
        var report = await Host.Agent.ApplyAsync(Config("g2", remoteNode: "h3"), CancellationToken.None);

        report.Ready.Should().BeFalse();
        report.Reason.Should().Be("OvsUnavailable");
        report.Generation.Should().Be("g1", "the generation in force is still the last one installed");
        await Host.StartSwitchAsync();
        await Poll.UntilAsync(() => Task.FromResult(Host.Agent.Report()), r => r.Ready && r.Generation == "g2", TimeSpan.FromSeconds(10), "the persisted g2 is replayed");
        (await Host.FlowsAsync()).Should().Contain(f => f.Contains("set_field:10.123.7.2->tun_dst", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task An_invalid_table_changes_nothing_and_names_the_field()
    {
        Skip.If(OvsHost.Missing is not null, OvsHost.Missing);
        await Host.Agent.ApplyAsync(Config("g1"), CancellationToken.None);
        var before = await Host.FlowsAsync();
        var bad = Config("g2");
        bad.Endpoints[1].Ip = "10.200.9.9";

        var report = await Host.Agent.ApplyAsync(bad, CancellationToken.None);

        report.Reason.Should().Be("InvalidConfig");
        report.Message.Should().Contain("endpoints[1].ip: 10.200.9.9 is no host address of a pool of network 'default'");
        Host.Agent.Report().Generation.Should().Be("g1");
        (await Host.FlowsAsync()).Should().Equal(before);
    }

    [SkippableFact]
    public async Task A_switch_over_moves_one_vm_between_local_delivery_and_a_forwarding_tunnel_in_a_bundle_each_way()
    {
        Skip.If(OvsHost.Missing is not null, OvsHost.Missing);
        await Host.Agent.PlugAsync(SpecA(), CancellationToken.None);
        await Host.Agent.ApplyAsync(Config("g1"), CancellationToken.None);
        var tap = await Host.OfPortAsync(TapA);

        Host.Agent.ExpectOutgoing(VmA, "10.123.6.2");
        var moved = Stopwatch.StartNew();
        await Host.Agent.RedirectAsync(VmA, CancellationToken.None);
        var redirect = moved.Elapsed;
        var forwarded = await Host.FlowsAsync();
        await Host.Agent.ReturnAsync(VmA, CancellationToken.None);
        var returned = await Host.FlowsAsync();

        forwarded.Should().NotContain(f => f.Contains($"output:{tap}", StringComparison.Ordinal));
        forwarded.Should().Contain(f => f.Contains($"dl_dst={MacA} actions=set_field:0x1000->tun_id,set_field:10.123.6.2->tun_dst,IN_PORT", StringComparison.Ordinal));
        returned.Should().Contain(f => f.Contains($"dl_dst={MacA} actions=output:{tap}", StringComparison.Ordinal));
        redirect.Should().BeLessThan(TimeSpan.FromMilliseconds(500), "a switch-over changes a handful of flows through an ovs-ofctl already connected");
    }

    private static VmSpec SpecA() => new(VmA, 1, 64, new VmBoot(new SuperCloud.Images.ImageSource("registry.example.com/vm/guest", SuperCloud.Images.Digest.Of([1])), ""), [new VmNic(TapA, MacA)]);

    private static V1.NetworkConfig Config(string generation, string remoteNode = "h2")
    {
        var config = new V1.NetworkConfig { Generation = generation, GatewayMac = "02:5c:00:00:00:01", Mtu = 1450 };
        config.Networks.Add(new V1.OverlayNetwork { Name = "default", Vni = 4096, Pools = { new V1.OverlayPool { Cidr = "10.200.0.0/24", Gateway = "10.200.0.1", Cluster = "c1" } } });
        config.Nodes.Add(new V1.NetworkNode { Name = OvsHost.Node, UnderlayIp = "10.123.5.2" });
        config.Nodes.Add(new V1.NetworkNode { Name = "h2", UnderlayIp = "10.123.6.2" });
        config.Nodes.Add(new V1.NetworkNode { Name = "h3", UnderlayIp = "10.123.7.2" });
        config.Endpoints.Add(new V1.NetworkEndpoint { VmId = VmA, Interface = "eth0", Ip = "10.200.0.2", Mac = MacA, Vni = 4096, Node = OvsHost.Node });
        config.Endpoints.Add(new V1.NetworkEndpoint { VmId = "vm-b", Interface = "eth0", Ip = "10.200.0.3", Mac = "0a:00:00:00:00:0b", Vni = 4096, Node = remoteNode });
        return config;
    }
}
