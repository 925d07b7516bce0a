using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

public sealed class KernelCommandLineTests
{
    [Fact]
    public void Each_nic_with_an_address_adds_an_ip_parameter_naming_its_mac()
    {
        var spec = new VmSpec("a", 1, 64, new VmBoot(new SuperCloud.Images.ImageSource("registry.example.com/vm/guest", SuperCloud.Images.Digest.Of([1])), "console=ttyS0"),
        [
            new VmNic("sc1n0", "0a:00:00:00:00:01") { Address = new GuestNicAddress("10.200.0.10", 24, "10.200.0.1", 1450) },
            new VmNic("sc1n1", "0a:00:00:00:00:02"),
            new VmNic("sc1n2", "0a:00:00:00:00:03") { Address = new GuestNicAddress("10.201.0.5", 16, null, 0) },
        ]) { Hostname = "web-1" };

        KernelCommandLine.For(spec, "console=ttyS0").Should().Be(
            "console=ttyS0 ip=10.200.0.10::10.200.0.1:255.255.255.0:web-1:eth0:none:1450:0a:00:00:00:00:01 ip=10.201.0.5:::255.255.0.0:web-1:eth2:none::0a:00:00:00:00:03");
        var files = new QemuVmFiles("/cache/k", null, KernelCommandLine.For(spec, "console=ttyS0"), [], null);
        QemuCommandLine.Build(spec, files, new QemuVmPaths("/v/a"), "tcg").Should().Contain(KernelCommandLine.For(spec, "console=ttyS0"));
    }

    [Theory]
    [InlineData(0, "0.0.0.0")]
    [InlineData(8, "255.0.0.0")]
    [InlineData(25, "255.255.255.128")]
    [InlineData(32, "255.255.255.255")]
    public void Prefix_lengths_become_dotted_netmasks(int prefixLength, string netmask) =>
        KernelCommandLine.Netmask(prefixLength).Should().Be(netmask);

    [Fact]
    public void Nic_addresses_and_the_host_name_are_validated_naming_the_field()
    {
        var spec = new VmSpec("a", 1, 64, new VmBoot(new SuperCloud.Images.ImageSource("registry.example.com/vm/guest", SuperCloud.Images.Digest.Of([1])), ""),
        [
            new VmNic("sc1n0", "0a:00:00:00:00:01") { Address = new GuestNicAddress("10.200.0.300", 40, "gateway", 100) },
            new VmNic("sc1n0", "0a:00:00:00:00:02"),
        ]) { Hostname = "Web_1" };

        spec.Validate().Select(e => e.Field).Should().BeEquivalentTo(
            "spec.nics[0].ip", "spec.nics[0].prefixLength", "spec.nics[0].gateway", "spec.nics[0].mtu", "spec.nics[1].tapDevice", "spec.hostname");
    }
}
