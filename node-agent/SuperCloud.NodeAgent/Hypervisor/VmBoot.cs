using SuperCloud.Images;

namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>How a VM boots: from an image pulled by digest into the host's cache, never from a host path.</summary>
/// <param name="Image">The image: a kernel (with an initrd) booted directly, or a bootable qcow2 disk.</param>
/// <param name="Cmdline">The kernel command line (kernel images only); null or empty means the image's default.</param>
public sealed record VmBoot(ImageSource Image, string? Cmdline);
