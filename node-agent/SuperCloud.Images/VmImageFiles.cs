namespace SuperCloud.Images;

/// <summary>The files a VM image is made of, to publish with <see cref="VmImagePublisher"/>.</summary>
/// <param name="Kernel">A kernel to boot directly, or null for a disk image.</param>
/// <param name="Initrd">Its initramfs, or null.</param>
/// <param name="Disk">A qcow2 disk (the boot disk without a kernel), or null.</param>
/// <param name="KernelCmdline">The default kernel command line (kernel images), or null.</param>
public sealed record VmImageFiles(string? Kernel, string? Initrd, string? Disk, string? KernelCmdline);
