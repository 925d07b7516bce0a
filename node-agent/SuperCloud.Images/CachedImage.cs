namespace SuperCloud.Images;

/// <summary>A VM image whose blobs are all in a host's cache, verified and read-only: the only files VMs boot from.</summary>
/// <param name="Image">The image's manifest, parsed.</param>
/// <param name="Config">Its config.</param>
/// <param name="KernelPath">The kernel's file in the cache, or null.</param>
/// <param name="InitrdPath">The initrd's file in the cache, or null.</param>
/// <param name="DiskPath">The qcow2 disk's file in the cache, or null.</param>
/// <param name="DiskVirtualSize">The disk's virtual size in bytes (0 without a disk).</param>
public sealed record CachedImage(VmImage Image, VmImageConfig Config, string? KernelPath, string? InitrdPath, string? DiskPath, long DiskVirtualSize)
{
    /// <summary>The manifest digest.</summary>
    public Digest Digest => Image.ManifestDigest;
}
