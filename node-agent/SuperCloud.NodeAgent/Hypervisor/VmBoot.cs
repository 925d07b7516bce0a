namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>How a VM boots: a kernel, an optional initramfs and the kernel command line (direct kernel boot).</summary>
/// <param name="Kernel">Absolute path of the kernel image on the host.</param>
/// <param name="Initrd">Absolute path of the initramfs on the host, or null.</param>
/// <param name="Cmdline">The kernel command line.</param>
public sealed record VmBoot(string Kernel, string? Initrd, string Cmdline);
