using System.Globalization;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>Builds the QEMU argument list for a VM; pure, so it is unit-tested without QEMU.</summary>
internal static class QemuCommandLine
{
    public static IReadOnlyList<string> Build(VmSpec spec, QemuVmPaths paths, string accelerator)
    {
        var args = new List<string>
        {
            "-name", $"guest={spec.Id},debug-threads=on",
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-machine", "pc",
            "-accel", accelerator,
            "-m", spec.MemoryMib.ToString(CultureInfo.InvariantCulture),
            "-smp", spec.Vcpus.ToString(CultureInfo.InvariantCulture),
            "-kernel", spec.Boot.Kernel,
            "-append", spec.Boot.Cmdline,
            "-serial", $"file:{paths.ConsoleLog}",
            "-qmp", $"unix:{paths.QmpSocket},server=on,wait=off",
            "-pidfile", paths.Pid,
            // Paused until the driver has attached to QMP, so no guest output happens before the driver watches.
            "-S",
            // The agent may restart while the VM runs: QEMU must not be its child nor hold its stdio.
            "-daemonize",
        };
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
