using SuperCloud.Images;

namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>A disk of a VM: a copy-on-write overlay on an image's disk, or an empty disk; a file in the VM's directory.</summary>
/// <param name="Name">A DNS label of at most 20 characters, unique in the VM; the guest sees it as the disk's serial.</param>
/// <param name="Image">The image whose disk layer is the base, or null for an empty disk.</param>
/// <param name="SizeBytes">The size: required for an empty disk; for an image's disk at least the image's (0: the image's).</param>
public sealed record VmDisk(string Name, ImageSource? Image, long SizeBytes)
{
    /// <summary>The name of the boot image's own disk (a disk image's); spec disks may not use it.</summary>
    public const string BootDiskName = "boot";

    /// <summary>The largest disk the agent creates (16 TiB).</summary>
    public const long MaxSizeBytes = 16L << 40;

    /// <summary>The longest disk name: QEMU's virtio-blk serial holds 20 characters.</summary>
    public const int MaxNameLength = 20;
}
