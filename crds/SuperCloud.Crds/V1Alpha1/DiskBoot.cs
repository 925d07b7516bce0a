using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A bootable disk image.</summary>
public sealed class DiskBoot
{
    /// <summary>Path or URL of the image.</summary>
    [MaxLength(1024)]
    public required string Image { get; set; }

    /// <summary>The image format.</summary>
    [Default("qcow2")]
    public DiskFormat? Format { get; set; }
}
