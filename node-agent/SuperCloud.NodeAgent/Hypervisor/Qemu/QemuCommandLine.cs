using System.Globalization;
using System.Text.Json.Nodes;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>Builds the QEMU argument list for a VM; pure, so it is unit-tested without QEMU.</summary>
internal static class QemuCommandLine
{
    /// <param name="spec">The VM.</param>
    /// <param name="files">Its kernel, disks and seed: files of the image cache and of its own directory only.</param>
    /// <param name="paths">Its state directory.</param>
    /// <param name="accelerator"><c>tcg</c> or <c>kvm</c>.</param>
    /// <param name="sharedMemoryFile">Guest RAM is the shared file <see cref="QemuVmPaths.Memory"/> rather than anonymous memory.</param>
    /// <param name="incoming">Start as the target of a live migration: the stream's source is given later (<c>migrate-incoming</c>).</param>
    /// <param name="observerSocket">Add the second QMP socket <see cref="QemuVmPaths.ObserverSocket"/> for observers.</param>
    public static IReadOnlyList<string> Build(
        VmSpec spec, QemuVmFiles files, QemuVmPaths paths, string accelerator, bool sharedMemoryFile = false, bool incoming = false, bool observerSocket = false)
    {
        var memory = spec.MemoryMib.ToString(CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            "-name", $"guest={spec.Id},debug-threads=on",
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-machine", sharedMemoryFile ? "pc,memory-backend=mem" : "pc",
            "-accel", accelerator,
            "-m", memory,
            "-smp", spec.Vcpus.ToString(CultureInfo.InvariantCulture),
            // A socket the agent attaches to for interactive sessions; QEMU logs everything the guest writes, attached or not,
            // appending so the log can be truncated under QEMU when it is rotated (ConsoleLogRotator).
            "-chardev", $"socket,id=console,path={paths.ConsoleSocket},server=on,wait=off,logfile={paths.ConsoleLog},logappend=on",
            "-serial", "chardev:console",
            "-qmp", $"unix:{paths.QmpSocket},server=on,wait=off",
            "-pidfile", paths.Pid,
            // Paused until the driver has attached to QMP, so no guest output happens before the driver watches.
            "-S",
            // The agent may restart while the VM runs: QEMU must not be its child nor hold its stdio.
            "-daemonize",
        };
        if (sharedMemoryFile)
        {
            // share=on: guest writes reach the file and writes to the file reach the guest (another process may map it).
            args.AddRange(["-object", $"memory-backend-file,id=mem,size={memory}M,mem-path={paths.Memory},share=on"]);
        }

        if (observerSocket)
        {
            args.AddRange(["-qmp", $"unix:{paths.ObserverSocket},server=on,wait=off"]);
        }

        if (incoming)
        {
            // "defer": the migration capabilities must be set before QEMU starts listening for the stream.
            args.AddRange(["-incoming", "defer"]);
        }

        if (files.Kernel is { } kernel)
        {
            args.AddRange(["-kernel", kernel, "-append", files.Cmdline]);
            if (files.Initrd is { } initrd)
            {
                args.AddRange(["-initrd", initrd]);
            }
        }

        AddDisks(args, files);

        for (var i = 0; i < spec.Nics.Count; i++)
        {
            var nic = spec.Nics[i];
            // vnet_hdr=off: the guest fills in its checksums itself. The tap's other end is Open vSwitch, whose userspace
            // datapath reads it as a plain interface: a packet left with a partial checksum (the offload a vnet header
            // offers) would leave the host with a wrong one.
            args.AddRange([
                "-netdev", $"tap,id=net{i},ifname={nic.TapDevice},script=no,downscript=no,vnet_hdr=off",
                "-device", $"virtio-net-pci,netdev=net{i},mac={nic.Mac}",
            ]);
        }

        return args;
    }

    // Each disk is an explicit node graph: the base (read-only, from the cache) is opened with no backing of its own and
    // the overlay's backing is that node, so no file name written inside an image is ever followed.
    private static void AddDisks(List<string> args, QemuVmFiles files)
    {
        for (var i = 0; i < files.Disks.Count; i++)
        {
            var disk = files.Disks[i];
            var node = QemuDiskFile.NodeName(i);
            JsonNode? backing = null;
            if (disk.Base is { } baseFile)
            {
                args.AddRange(["-blockdev", Blockdev(new JsonObject { ["driver"] = "file", ["node-name"] = node + "-base-file", ["filename"] = baseFile, ["read-only"] = true })]);
                args.AddRange(["-blockdev", Blockdev(new JsonObject
                {
                    ["driver"] = "qcow2", ["node-name"] = node + "-base", ["file"] = node + "-base-file", ["read-only"] = true, ["backing"] = null,
                })]);
                backing = node + "-base";
            }

            args.AddRange(["-blockdev", Blockdev(new JsonObject { ["driver"] = "file", ["node-name"] = node + "-file", ["filename"] = disk.Overlay })]);
            args.AddRange(["-blockdev", Blockdev(new JsonObject { ["driver"] = "qcow2", ["node-name"] = node, ["file"] = node + "-file", ["backing"] = backing })]);
            args.AddRange(["-device", $"virtio-blk-pci,drive={node},id={node}-dev,serial={disk.Name}{(disk.Boot ? ",bootindex=1" : "")}"]);
        }

        if (files.Seed is { } seed)
        {
            args.AddRange(["-blockdev", Blockdev(new JsonObject { ["driver"] = "file", ["node-name"] = "seed-file", ["filename"] = seed, ["read-only"] = true })]);
            args.AddRange(["-blockdev", Blockdev(new JsonObject { ["driver"] = "raw", ["node-name"] = "seed", ["file"] = "seed-file", ["read-only"] = true })]);
            args.AddRange(["-device", "virtio-blk-pci,drive=seed,id=seed-dev,serial=cidata"]);
        }
    }

    private static string Blockdev(JsonObject options) => options.ToJsonString();

    /// <summary>Maps QMP's <c>query-status</c> run state to the agent's state.</summary>
    public static VmState MapRunState(string runState) => runState switch
    {
        "running" => VmState.Running,
        "paused" or "prelaunch" or "inmigrate" or "postmigrate" or "finish-migrate" or "save-vm" or "restore-vm" or "suspended" or "debug" => VmState.Paused,
        "shutdown" => VmState.Stopped,
        "internal-error" or "io-error" or "guest-panicked" or "watchdog" => VmState.Crashed,
        _ => VmState.Unknown,
    };
}
