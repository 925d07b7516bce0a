using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>How a SuperPod boots: from a VM image in an OCI registry, never from a file on a host.</summary>
[CelRule("self == oldSelf", "boot is immutable: the SuperPod's disks are built on its image; delete and recreate the SuperPod to boot another")]
public sealed class BootSource
{
    /// <summary>
    /// The VM image, <c>[registry[:port]/]repository[:tag]</c> or <c>…@sha256:&lt;digest&gt;</c>. A kernel image boots its
    /// kernel and initrd directly; a disk image boots from its disk, a copy-on-write overlay per SuperPod that moves with
    /// it. Without a registry, the operator's default registry serves it. A tag is resolved to a digest once and recorded
    /// in status.images, so every host the SuperPod runs on boots the same bytes. Host paths are not accepted.
    /// </summary>
    [MaxLength(512)]
    [CelRule(Patterns.ImageReferenceRule, Patterns.ImageReferenceMessage)]
    public required string Image { get; set; }

    /// <summary>The kernel command line (kernel images only); empty means the image's default.</summary>
    [MaxLength(4096)]
    public string? Cmdline { get; set; }
}
