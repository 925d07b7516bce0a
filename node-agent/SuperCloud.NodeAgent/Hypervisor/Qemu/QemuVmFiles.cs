namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>
/// The files one VM's QEMU is handed: the kernel, initrd and disk bases come from the image cache (read-only); disk
/// overlays and the cloud-init seed live in the VM's own directory. Nothing else on the host is named.
/// </summary>
/// <param name="Kernel">The kernel to boot directly, or null when the VM boots from its first disk.</param>
/// <param name="Initrd">The initrd, or null.</param>
/// <param name="Cmdline">The kernel command line (with a kernel).</param>
/// <param name="Disks">The disks in the order the guest sees them.</param>
/// <param name="Seed">The cloud-init seed volume, or null.</param>
internal sealed record QemuVmFiles(string? Kernel, string? Initrd, string Cmdline, IReadOnlyList<QemuDiskFile> Disks, string? Seed);
