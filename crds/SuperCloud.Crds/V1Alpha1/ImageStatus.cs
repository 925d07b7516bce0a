namespace SuperCloud.Crds.V1Alpha1;

/// <summary>An image of a SuperPod as the operator resolved it: the digest every placement and migration uses.</summary>
public sealed class ImageStatus
{
    /// <summary><c>boot</c> for spec.boot.image, else the name of the disk in spec.disks.</summary>
    public required string Name { get; set; }

    /// <summary>The image as written in spec.</summary>
    public required string Image { get; set; }

    /// <summary>registry/repository@sha256:… — pinned by digest; the nodes pull exactly this.</summary>
    public required string Resolved { get; set; }
}
