using System.Globalization;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>Builds the QEMU argument list for a VM; pure, so it is unit-tested without QEMU.</summary>
internal static class QemuCommandLine
{
    /// <param name="spec">The VM.</param>
    /// <param name="paths">Its state directory.</param>
    /// <param name="accelerator"><c>tcg</c> or <c>kvm</c>.</param>
    /// <param name="sharedMemoryFile">Guest RAM is the shared file <see cref="QemuVmPaths.Memory"/> rather than anonymous memory.</param>
    /// <param name="incoming">Start as the target of a live migration: the stream's source is given later (<c>migrate-incoming</c>).</param>
    /// <param name="observerSocket">Add the second QMP socket <see cref="QemuVmPaths.ObserverSocket"/> for observers.</param>
    public static IReadOnlyList<string> Build(VmSpec spec, QemuVmPaths paths, string accelerator, bool sharedMemoryFile = false, bool incoming = false, bool observerSocket = false)
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
            "-kernel", spec.Boot.Kernel,
            "-append", spec.Boot.Cmdline,
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

        if (spec.Boot.Initrd is { Length: > 0 } initrd)
        {
            args.AddRange(["-initrd", initrd]);
        }

        for (var i = 0; i < spec.Nics.Count; i++)
        {
            var nic = spec.Nics[i];
            args.AddRange([
                "-netdev", $"tap,id=net{i},ifname={nic.TapDevice},script=no,downscript=no",
                "-device", $"virtio-net-pci,netdev=net{i},mac={nic.Mac}",
            ]);
        }

        return args;
    }

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
