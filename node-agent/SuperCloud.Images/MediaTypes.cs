namespace SuperCloud.Images;

/// <summary>The media types of the OCI and Docker manifests a registry serves, and of SuperCloud's VM image artifacts.</summary>
public static class MediaTypes
{
    /// <summary>An OCI image manifest.</summary>
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>An OCI image index (a list of manifests, e.g. per platform).</summary>
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";

    /// <summary>A Docker image manifest, schema 2.</summary>
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>A Docker manifest list.</summary>
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>The config blob of a SuperCloud VM image: its architecture and default kernel command line.</summary>
    public const string VmConfig = "application/vnd.supercloud.vm.config.v1+json";

    /// <summary>A Linux kernel to boot directly (bzImage).</summary>
    public const string VmKernel = "application/vnd.supercloud.vm.kernel.v1";

    /// <summary>An initramfs for the kernel (a cpio archive, possibly compressed).</summary>
    public const string VmInitrd = "application/vnd.supercloud.vm.initrd.v1";

    /// <summary>A disk in qcow2 format: bootable when the image has no kernel, else a data disk.</summary>
    public const string VmDiskQcow2 = "application/vnd.supercloud.vm.disk.qcow2.v1";

    /// <summary>Every manifest media type the client asks for when resolving a reference.</summary>
    public static readonly IReadOnlyList<string> Manifests = [OciManifest, OciIndex, DockerManifest, DockerManifestList];

    /// <summary>True for an image index or manifest list.</summary>
    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;
}
