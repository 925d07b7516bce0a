using SuperCloud.Lab.Hosts;

namespace SuperCloud.Lab.Tests.Hosts;

public sealed class LabTopologyTests
{
    private static LabTopology Topology() =>
        LabTopology.Create(LabTopology.IdOf("/var/lib/lab"), new LabSubnet(10, 123), CloudSpec.ParseList("aws-us-east-1:2,aws-eu-west-1:2,onprem:1"));

    [Fact]
    public void Hosts_are_numbered_per_cloud_with_addresses_in_their_clouds_subnet()
    {
        var topology = Topology();

        topology.Hosts.Select(h => (h.Name, h.Ip, h.Cloud.Gateway)).Should().Equal(
            ("aws-us-east-1-1", "10.123.1.11", "10.123.1.1"),
            ("aws-us-east-1-2", "10.123.1.12", "10.123.1.1"),
            ("aws-eu-west-1-1", "10.123.2.11", "10.123.2.1"),
            ("aws-eu-west-1-2", "10.123.2.12", "10.123.2.1"),
            ("onprem-1", "10.123.3.11", "10.123.3.1"));
        topology.Hosts[0].AgentEndpoint.Should().Be("10.123.1.11:7443");
        topology.Subnet.ManagementIp.Should().Be("10.123.255.1");
        topology.Subnet.RouterManagementIp.Should().Be("10.123.255.2");
    }

    [Fact]
    public void Every_even_numbered_host_of_a_cloud_that_sells_spot_is_spot()
    {
        Topology().Hosts.Where(h => h.Spot).Select(h => h.Name).Should().Equal("aws-us-east-1-2", "aws-eu-west-1-2");
    }

    [Fact]
    public void Names_carry_the_lab_id_and_interface_names_fit_the_kernel_limit()
    {
        var topology = Topology();

        topology.Id.Should().MatchRegex("^[0-9a-f]{6}$");
        topology.RouterNamespace.Should().Be($"sc{topology.Id}-wan");
        topology.Hosts.Select(h => h.Namespace).Should().OnlyContain(ns => ns.StartsWith($"sc{topology.Id}-", StringComparison.Ordinal));
        IEnumerable<string> interfaces = [topology.ManagementLink, LabTopology.RouterManagementLink, .. topology.Clouds.Select(c => c.Bridge), .. topology.Hosts.Select(h => h.RouterPort)];
        interfaces.Should().OnlyContain(name => name.Length <= LabTopology.MaxInterfaceName);

        // The longest QMP socket path an agent makes: alias + "/" + 36-character VM id + "/qmp.sock", under 108 bytes.
        topology.Hosts.Select(h => topology.VmAlias(h).Length + 1 + 36 + "/qmp.sock".Length).Should().OnlyContain(length => length < 108);
    }

    [Fact]
    public void Two_data_directories_give_two_lab_ids()
    {
        LabTopology.IdOf("/tmp/lab-a").Should().NotBe(LabTopology.IdOf("/tmp/lab-b"));
        LabTopology.IdOf("/tmp/lab-a/").Should().Be(LabTopology.IdOf("/tmp/lab-a"));
    }

    [Theory]
    [InlineData("10.7.0.0/16", 10, 7)]
    [InlineData("172.20.0.0/16", 172, 20)]
    public void Subnet_parses_a_slash_16(string value, int first, int second)
    {
        LabSubnet.Parse(value).Should().Be(new LabSubnet(first, second));
    }

    [Theory]
    [InlineData("10.7.0.0/24")]
    [InlineData("10.7.1.0/16")]
    [InlineData("127.1.0.0/16")]
    [InlineData("10.7/16")]
    [InlineData("nonsense")]
    public void Subnet_other_than_an_ipv4_slash_16_is_rejected_naming_the_flag(string value)
    {
        var parse = () => LabSubnet.Parse(value);

        parse.Should().Throw<LabUsageException>().WithMessage($"--subnet \"{value}\": must be an IPv4 /16*");
    }
}
