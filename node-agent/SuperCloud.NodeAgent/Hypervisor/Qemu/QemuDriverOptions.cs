namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>Settings of the QEMU driver; bound from the <c>Qemu</c> configuration section.</summary>
public sealed class QemuDriverOptions
{
    /// <summary>Where each VM gets its directory (spec, pid, QMP socket, console log); survives agent restarts.</summary>
    public string StateDirectory { get; set; } = "/var/lib/supercloud/vms";

    /// <summary>The QEMU binary, a path or a name on PATH.</summary>
    public string QemuBinary { get; set; } = "qemu-system-x86_64";

    /// <summary>qemu-img, which creates the VMs' disk overlays.</summary>
    public string QemuImgBinary { get; set; } = "qemu-img";

    /// <summary>mkfs.vfat (dosfstools), which formats the cloud-init seed.</summary>
    public string MkfsVfatBinary { get; set; } = "mkfs.vfat";

    /// <summary>mcopy (mtools), which writes the seed's files without mounting it.</summary>
    public string McopyBinary { get; set; } = "mcopy";

    /// <summary><c>tcg</c> (default, works everywhere) or <c>kvm</c>.</summary>
    public string Accelerator { get; set; } = "tcg";

    /// <summary>
    /// Back guest RAM with the shared file <c>memory</c> in the VM's state directory instead of anonymous memory, so
    /// another process can read or write guest memory (memory tests, migration tooling). Costs disk (or tmpfs) space
    /// equal to the VM's memory; off by default.
    /// </summary>
    public bool SharedMemoryFile { get; set; }

    /// <summary>
    /// Give each VM a second QMP socket, <c>observe.sock</c> in its directory (reachable by root only), for tools that
    /// watch what QEMU itself says of the guest — running or paused — without going through the agent, whose view is
    /// what they check. Off by default; the lab turns it on for its tests.
    /// </summary>
    public bool ObserverSocket { get; set; }

    /// <summary>How long QEMU may take to daemonize and open its QMP socket.</summary>
    public TimeSpan LaunchTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a single QMP command may take.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a stop waits for QEMU to exit after <c>quit</c> before killing it.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// With KVM, how long the guest has to write its first console byte: on hosts where KVM is broken the vCPU spins
    /// without progress while QMP still answers, so this is the only reliable sign.
    /// </summary>
    public TimeSpan KvmProgressTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The size (bytes) above which a VM's console log is rotated; a guest cannot fill the host's disk through its console.</summary>
    public long ConsoleLogMaxSize { get; set; } = 10 * 1024 * 1024;

    /// <summary>How many console log files a VM keeps, the current one included (<c>console.log</c>, <c>console.log.1</c>, …).</summary>
    public int ConsoleLogMaxFiles { get; set; } = 2;

    /// <summary>How often console logs are checked against <see cref="ConsoleLogMaxSize"/>.</summary>
    public TimeSpan ConsoleLogCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Returns the problems in these options, each naming its option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Accelerator is not ("tcg" or "kvm"))
        {
            errors.Add($"Qemu:Accelerator must be 'tcg' or 'kvm', got '{Accelerator}'");
        }

        if (string.IsNullOrWhiteSpace(StateDirectory) || !Path.IsPathFullyQualified(StateDirectory))
        {
            errors.Add($"Qemu:StateDirectory must be an absolute path, got '{StateDirectory}'");
        }

        if (string.IsNullOrWhiteSpace(QemuBinary))
        {
            errors.Add("Qemu:QemuBinary is required");
        }

        if (ConsoleLogMaxSize < 4096)
        {
            errors.Add($"Qemu:ConsoleLogMaxSize must be at least 4096 bytes, got {ConsoleLogMaxSize}");
        }

        if (ConsoleLogMaxFiles is < 1 or > 10)
        {
            errors.Add($"Qemu:ConsoleLogMaxFiles must be between 1 and 10, got {ConsoleLogMaxFiles}");
        }

        foreach (var (name, value) in new[]
                 {
                     ("LaunchTimeout", LaunchTimeout), ("CommandTimeout", CommandTimeout), ("StopTimeout", StopTimeout),
                     ("KvmProgressTimeout", KvmProgressTimeout), ("ConsoleLogCheckInterval", ConsoleLogCheckInterval),
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"Qemu:{name} must be positive, got {value}");
            }
        }

        return errors;
    }
}
