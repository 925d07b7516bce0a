using SuperCloud.Images;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Xen;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

public sealed class XenDriverTests
{
    private static readonly VmSpec Spec = new("web-1", 2, 512, new VmBoot(new ImageSource("registry.example.com/vm/guest", Digest.Of([1])), "console=hvc0 sc.mem_mib=64"),
        [new VmNic("tap-web1", "52:54:00:aa:bb:01")]);

    [Fact]
    public void Xl_config_describes_a_pvh_domain_with_size_boot_nics_and_console()
    {
        var cfg = XlConfig.Generate(Spec, "/var/lib/sc/images/blobs/sha256/k", "/var/lib/sc/images/blobs/sha256/i", "console=hvc0 sc.mem_mib=64", "/var/lib/sc/xen/web-1/console.log");

        cfg.Should().Contain("name = \"web-1\"\n")
            .And.Contain("type = \"pvh\"\n")
            .And.Contain("memory = 512\n").And.Contain("maxmem = 512\n")
            .And.Contain("vcpus = 2\n")
            .And.Contain("kernel = \"/var/lib/sc/images/blobs/sha256/k\"\n")
            .And.Contain("ramdisk = \"/var/lib/sc/images/blobs/sha256/i\"\n")
            .And.Contain("cmdline = \"console=hvc0 sc.mem_mib=64\"\n")
            .And.Contain("vif = [ \"mac=52:54:00:aa:bb:01,vifname=tap-web1,type=vif\" ]\n")
            .And.Contain("serial = \"file:/var/lib/sc/xen/web-1/console.log\"\n")
            .And.Contain("on_reboot = \"destroy\"\n");
    }

    [Fact]
    public void Xl_config_escapes_quotes_and_backslashes_and_omits_missing_ramdisk()
    {
        var spec = Spec with { Nics = [] };

        var cfg = XlConfig.Generate(spec, "/k", null, "msg=\"hi\" path=C:\\x", "/c");

        cfg.Should().Contain("cmdline = \"msg=\\\"hi\\\" path=C:\\\\x\"\n").And.NotContain("ramdisk").And.Contain("vif = [  ]");
    }

    [Theory]
    [InlineData("r-----", VmState.Running)]
    [InlineData("-b----", VmState.Running)]
    [InlineData("------", VmState.Running)]
    [InlineData("--p---", VmState.Paused)]
    [InlineData("---s--", VmState.Stopped)]
    [InlineData("-----d", VmState.Stopped)]
    [InlineData("----c-", VmState.Crashed)]
    [InlineData("--ps--", VmState.Stopped)]
    [InlineData("r----", VmState.Unknown)]
    [InlineData("x-----", VmState.Unknown)]
    public void Xl_state_flags_map_to_agent_states(string flags, VmState expected) =>
        XenState.Map(flags).Should().Be(expected);

    [Fact]
    public void Xl_list_output_is_parsed_per_domain()
    {
        const string output = """
            Name                                        ID   Mem VCPUs	State	Time(s)
            Domain-0                                     0  1024     2     r-----     123.4
            web-1                                        7   512     2     --p---       5.0
            """;

        var domains = XenState.ParseList(output);

        domains.Should().HaveCount(2);
        domains[1].Should().Be(new XenDomain("web-1", 7, 512, 2, "--p---", VmState.Paused));
    }

    [Fact]
    public void Malformed_xl_list_line_is_an_error_quoting_the_line()
    {
        var act = () => XenState.ParseList("Name ID Mem VCPUs State Time(s)\nweb-1 seven 512\n");

        act.Should().Throw<FormatException>().WithMessage("*'web-1 seven 512'*");
    }

    [Fact]
    public void A_running_vm_whose_domain_vanished_is_crashed_and_xen_wins_when_the_domain_exists()
    {
        var now = DateTimeOffset.UnixEpoch.AddDays(1);
        var running = new VmStatus("web-1", VmState.Running, "Started", "", null, DateTimeOffset.UnixEpoch);

        XenDriver.Reconcile(running, null, now).Should().Match<VmStatus>(s => s.State == VmState.Crashed && s.Reason == "DomainGone");
        XenDriver.Reconcile(running, new XenDomain("web-1", 7, 512, 2, "--p---", VmState.Paused), now)
            .Should().Match<VmStatus>(s => s.State == VmState.Paused && s.ProcessId == 7 && s.Since == now);
        XenDriver.Reconcile(running with { State = VmState.Stopped }, null, now).State.Should().Be(VmState.Stopped);
    }

    [Fact]
    public async Task Without_xen_every_operation_says_privcmd_is_missing_and_changes_nothing()
    {
        var stateDir = TestEnvironment.NewTempDir("scxen");
        try
        {
            using var images = GuestImage.OfflineCache();
            var driver = new XenDriver(new XenDriverOptions { StateDirectory = stateDir, PrivcmdDevice = Path.Combine(stateDir, "privcmd") }, images, TimeProvider.System);
            var missing = $"Xen not available: {stateDir}/privcmd missing";

            var info = await driver.GetInfoAsync(CancellationToken.None);
            var create = () => driver.CreateAsync(Spec, CancellationToken.None);
            var start = () => driver.StartAsync("web-1", CancellationToken.None);

            info.Should().Be(new HypervisorInfo("xen", false, "", missing));
            (await create.Should().ThrowAsync<HypervisorUnavailableException>()).Which.Message.Should().Be($"xen: create: {missing}");
            (await start.Should().ThrowAsync<HypervisorUnavailableException>()).Which.Reason.Should().Contain(missing);
            Directory.EnumerateFileSystemEntries(stateDir).Should().BeEmpty();
        }
        finally
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }

    [Fact]
    public void On_this_kind_of_host_the_default_device_path_is_checked()
    {
        using var images = GuestImage.OfflineCache();
        var driver = new XenDriver(new XenDriverOptions(), images, TimeProvider.System);

        driver.UnavailableReason.Should().Be(File.Exists("/dev/xen/privcmd") ? null : "Xen not available: /dev/xen/privcmd missing");
    }
}
