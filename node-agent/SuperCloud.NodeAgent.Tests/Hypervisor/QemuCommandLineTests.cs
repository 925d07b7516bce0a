using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

public sealed class QemuCommandLineTests
{
    private static readonly QemuVmPaths Paths = new("/var/lib/sc/vms/a");

    [Fact]
    public void Command_line_carries_size_boot_console_qmp_and_accelerator()
    {
        var spec = new VmSpec("a", 2, 256, new VmBoot("/k", "/i", "console=ttyS0 sc.mem_mib=64"), []);

        var args = QemuCommandLine.Build(spec, Paths, "kvm");

        string.Join(' ', args).Should()
            .Contain("-accel kvm").And.Contain("-m 256").And.Contain("-smp 2")
            .And.Contain("-kernel /k").And.Contain("-initrd /i")
            .And.Contain("-chardev socket,id=console,path=/var/lib/sc/vms/a/console.sock,server=on,wait=off,logfile=/var/lib/sc/vms/a/console.log,logappend=on -serial chardev:console")
            .And.Contain("-qmp unix:/var/lib/sc/vms/a/qmp.sock,server=on,wait=off")
            .And.Contain("-pidfile /var/lib/sc/vms/a/qemu.pid")
            .And.Contain("-daemonize").And.Contain("-S");
        args[args.ToList().IndexOf("-append") + 1].Should().Be("console=ttyS0 sc.mem_mib=64");
    }

    [Fact]
    public void Each_nic_becomes_a_tap_netdev_and_a_virtio_device_with_its_mac()
    {
        var spec = new VmSpec("a", 1, 64, new VmBoot("/k", null, ""), [new VmNic("tap-a0", "52:54:00:00:00:01"), new VmNic("tap-a1", "52:54:00:00:00:02")]);

        var args = QemuCommandLine.Build(spec, Paths, "tcg");

        args.Should().Contain("tap,id=net1,ifname=tap-a1,script=no,downscript=no")
            .And.Contain("virtio-net-pci,netdev=net0,mac=52:54:00:00:00:01")
            .And.NotContain("-initrd");
    }

    [Fact]
    public void Shared_memory_file_backs_guest_ram_with_the_state_directory_file()
    {
        var spec = new VmSpec("a", 1, 96, new VmBoot("/k", null, ""), []);

        var args = QemuCommandLine.Build(spec, Paths, "tcg", sharedMemoryFile: true);
        var anonymous = QemuCommandLine.Build(spec, Paths, "tcg");

        string.Join(' ', args).Should()
            .Contain("-machine pc,memory-backend=mem")
            .And.Contain("-object memory-backend-file,id=mem,size=96M,mem-path=/var/lib/sc/vms/a/memory,share=on")
            .And.Contain("-m 96");
        anonymous.Should().NotContain(a => a.Contains("memory-backend", StringComparison.Ordinal));
    }

    [Fact]
    public void An_observer_socket_is_a_second_qmp_monitor_in_the_vm_directory_only_when_asked_for()
    {
        var spec = new VmSpec("a", 1, 96, new VmBoot("/k", null, ""), []);

        var observed = string.Join(' ', QemuCommandLine.Build(spec, Paths, "tcg", observerSocket: true));
        var plain = string.Join(' ', QemuCommandLine.Build(spec, Paths, "tcg"));

        observed.Should().Contain("-qmp unix:/var/lib/sc/vms/a/qmp.sock,server=on,wait=off").And.Contain("-qmp unix:/var/lib/sc/vms/a/observe.sock,server=on,wait=off");
        plain.Should().NotContain("observe.sock");
    }

    [Theory]
    [InlineData("running", VmState.Running)]
    [InlineData("paused", VmState.Paused)]
    [InlineData("prelaunch", VmState.Paused)]
    [InlineData("postmigrate", VmState.Paused)]
    [InlineData("inmigrate", VmState.Paused)]
    [InlineData("shutdown", VmState.Stopped)]
    [InlineData("guest-panicked", VmState.Crashed)]
    [InlineData("internal-error", VmState.Crashed)]
    [InlineData("colo", VmState.Unknown)]
    public void Qmp_run_states_map_to_agent_states(string runState, VmState expected) =>
        QemuCommandLine.MapRunState(runState).Should().Be(expected);
}
