using System.Text.Json;
using SuperCloud.Images;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

public sealed class QemuCommandLineTests
{
    private static readonly QemuVmPaths Paths = new("/var/lib/sc/vms/a");
    private static readonly VmBoot Boot = new(new ImageSource("registry.example.com/vm/guest", Digest.Of([1])), null);
    private static readonly QemuVmFiles KernelOnly = new("/cache/blobs/sha256/k", null, "console=ttyS0", [], null);

    [Fact]
    public void Command_line_carries_size_boot_console_qmp_and_accelerator()
    {
        var spec = new VmSpec("a", 2, 256, Boot, []);
        var files = new QemuVmFiles("/cache/blobs/sha256/k", "/cache/blobs/sha256/i", "console=ttyS0 sc.mem_mib=64", [], null);

        var args = QemuCommandLine.Build(spec, files, Paths, "kvm");

        string.Join(' ', args).Should()
            .Contain("-accel kvm").And.Contain("-m 256").And.Contain("-smp 2")
            .And.Contain("-kernel /cache/blobs/sha256/k").And.Contain("-initrd /cache/blobs/sha256/i")
            .And.Contain("-chardev socket,id=console,path=/var/lib/sc/vms/a/console.sock,server=on,wait=off,logfile=/var/lib/sc/vms/a/console.log,logappend=on -serial chardev:console")
            .And.Contain("-qmp unix:/var/lib/sc/vms/a/qmp.sock,server=on,wait=off")
            .And.Contain("-pidfile /var/lib/sc/vms/a/qemu.pid")
            .And.Contain("-daemonize").And.Contain("-S");
        args[args.ToList().IndexOf("-append") + 1].Should().Be("console=ttyS0 sc.mem_mib=64");
    }

    [Fact]
    public void Each_nic_becomes_a_tap_netdev_and_a_virtio_device_with_its_mac()
    {
        var spec = new VmSpec("a", 1, 64, Boot, [new VmNic("tap-a0", "52:54:00:00:00:01"), new VmNic("tap-a1", "52:54:00:00:00:02")]);

        var args = QemuCommandLine.Build(spec, KernelOnly, Paths, "tcg");

        args.Should().Contain("tap,id=net1,ifname=tap-a1,script=no,downscript=no,vnet_hdr=off")
            .And.Contain("virtio-net-pci,netdev=net0,mac=52:54:00:00:00:01")
            .And.NotContain("-initrd");
    }

    [Fact]
    public void Shared_memory_file_backs_guest_ram_with_the_state_directory_file()
    {
        var spec = new VmSpec("a", 1, 96, Boot, []);

        var args = QemuCommandLine.Build(spec, KernelOnly, Paths, "tcg", sharedMemoryFile: true);
        var anonymous = QemuCommandLine.Build(spec, KernelOnly, Paths, "tcg");

        string.Join(' ', args).Should()
            .Contain("-machine pc,memory-backend=mem")
            .And.Contain("-object memory-backend-file,id=mem,size=96M,mem-path=/var/lib/sc/vms/a/memory,share=on")
            .And.Contain("-m 96");
        anonymous.Should().NotContain(a => a.Contains("memory-backend", StringComparison.Ordinal));
    }

    [Fact]
    public void Disks_are_explicit_node_graphs_so_no_file_named_inside_an_image_is_opened()
    {
        var spec = new VmSpec("a", 1, 64, Boot, []);
        var files = new QemuVmFiles(null, null, "", [
            new QemuDiskFile("boot", "/var/lib/sc/vms/a/disk-boot.qcow2", "/cache/blobs/sha256/d", Boot: true),
            new QemuDiskFile("data", "/var/lib/sc/vms/a/disk-data.qcow2", null, Boot: false),
        ], "/var/lib/sc/vms/a/cidata.img");

        var args = QemuCommandLine.Build(spec, files, Paths, "tcg");

        args.Should().NotContain("-kernel");
        var blockdevs = args.Select((a, i) => (a, i)).Where(x => x.a == "-blockdev").Select(x => JsonDocument.Parse(args[x.i + 1]).RootElement).ToList();
        var byName = blockdevs.ToDictionary(b => b.GetProperty("node-name").GetString()!);
        byName["disk0-base"].GetProperty("backing").ValueKind.Should().Be(JsonValueKind.Null, "the base's own backing file, if it named one, is never opened");
        byName["disk0-base"].GetProperty("read-only").GetBoolean().Should().BeTrue();
        byName["disk0-base-file"].GetProperty("filename").GetString().Should().Be("/cache/blobs/sha256/d");
        byName["disk0"].GetProperty("backing").GetString().Should().Be("disk0-base");
        byName["disk1"].GetProperty("backing").ValueKind.Should().Be(JsonValueKind.Null);
        byName["seed-file"].GetProperty("read-only").GetBoolean().Should().BeTrue();
        blockdevs.Where(b => b.TryGetProperty("filename", out _)).Select(b => b.GetProperty("filename").GetString())
            .Should().OnlyContain(f => f!.StartsWith("/cache/", StringComparison.Ordinal) || f.StartsWith("/var/lib/sc/vms/a/", StringComparison.Ordinal));
        args.Should().Contain("virtio-blk-pci,drive=disk0,id=disk0-dev,serial=boot,bootindex=1")
            .And.Contain("virtio-blk-pci,drive=disk1,id=disk1-dev,serial=data")
            .And.Contain("virtio-blk-pci,drive=seed,id=seed-dev,serial=cidata");
    }

    [Fact]
    public void An_observer_socket_is_a_second_qmp_monitor_in_the_vm_directory_only_when_asked_for()
    {
        var spec = new VmSpec("a", 1, 96, Boot, []);

        var observed = string.Join(' ', QemuCommandLine.Build(spec, KernelOnly, Paths, "tcg", observerSocket: true));
        var plain = string.Join(' ', QemuCommandLine.Build(spec, KernelOnly, Paths, "tcg"));

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
