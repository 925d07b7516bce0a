namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>The files of one VM inside the driver's state directory.</summary>
/// <param name="Directory">The VM's directory, named by its id.</param>
internal sealed record QemuVmPaths(string Directory)
{
    public string Spec => Path.Combine(Directory, "spec.json");

    public string State => Path.Combine(Directory, "state.json");

    public string Pid => Path.Combine(Directory, "qemu.pid");

    public string QmpSocket => Path.Combine(Directory, "qmp.sock");

    /// <summary>The second QMP socket for observers, when <see cref="QemuDriverOptions.ObserverSocket"/> is on.</summary>
    public string ObserverSocket => Path.Combine(Directory, "observe.sock");

    public string ConsoleLog => Path.Combine(Directory, "console.log");

    /// <summary>The cloud-init NoCloud seed volume.</summary>
    public string Seed => Path.Combine(Directory, "cidata.img");

    /// <summary>The qcow2 file of the disk <paramref name="name"/> (an overlay on its image's base, or an empty disk).</summary>
    public string Disk(string name) => Path.Combine(Directory, $"disk-{name}.qcow2");

    /// <summary>The serial console's socket (QEMU listens; the agent attaches for interactive sessions).</summary>
    public string ConsoleSocket => Path.Combine(Directory, "console.sock");

    /// <summary>Guest RAM when <see cref="QemuDriverOptions.SharedMemoryFile"/> is on.</summary>
    public string Memory => Path.Combine(Directory, "memory");
}
