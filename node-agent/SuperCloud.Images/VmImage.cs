namespace SuperCloud.Images;

/// <summary>
/// A SuperCloud VM image: an OCI image manifest whose config has the media type <see cref="MediaTypes.VmConfig"/> and
/// whose layers are a kernel (with an optional initrd) to boot directly, and/or a qcow2 disk. Without a kernel the disk
/// is the boot disk; with one, the disk (if any) is attached as a data disk.
/// </summary>
public sealed record VmImage
{
    /// <summary>The largest kernel accepted.</summary>
    public const long MaxKernelBytes = 256L * 1024 * 1024;

    /// <summary>The largest initrd accepted.</summary>
    public const long MaxInitrdBytes = 4L * 1024 * 1024 * 1024;

    /// <summary>The largest disk layer accepted.</summary>
    public const long MaxDiskBytes = 1024L * 1024 * 1024 * 1024;

    /// <summary>The manifest's digest: the image's identity.</summary>
    public required Digest ManifestDigest { get; init; }

    /// <summary>The config blob's descriptor.</summary>
    public required Descriptor Config { get; init; }

    /// <summary>The kernel layer, or null for a disk image.</summary>
    public Descriptor? Kernel { get; init; }

    /// <summary>The initrd layer, or null.</summary>
    public Descriptor? Initrd { get; init; }

    /// <summary>The qcow2 disk layer, or null.</summary>
    public Descriptor? Disk { get; init; }

    /// <summary>Every blob of the image: config and layers.</summary>
    public IEnumerable<Descriptor> Blobs => new[] { Config, Kernel, Initrd, Disk }.OfType<Descriptor>();

    /// <summary>
    /// Reads a manifest as a VM image; throws <see cref="RegistryException"/> (InvalidImage) naming what is wrong when it is
    /// not one (another config type, unknown or repeated layer types, an initrd without kernel, nothing to boot, sizes).
    /// </summary>
    public static VmImage FromManifest(Digest digest, ImageManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Config.MediaType != MediaTypes.VmConfig)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage,
                $"image {digest} is not a SuperCloud VM image: its config is {manifest.Config.MediaType}, not {MediaTypes.VmConfig}");
        }

        if (manifest.Config.Size is < 0 or > VmImageConfig.MaxBytes)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, $"image {digest}: the config is {manifest.Config.Size} bytes (at most {VmImageConfig.MaxBytes})");
        }

        manifest.Config.ParsedDigest();
        Descriptor? kernel = null, initrd = null, disk = null;
        foreach (var layer in manifest.Layers)
        {
            layer.ParsedDigest();
            ref var slot = ref kernel;
            long max;
            switch (layer.MediaType)
            {
                case MediaTypes.VmKernel:
                    max = MaxKernelBytes;
                    break;
                case MediaTypes.VmInitrd:
                    slot = ref initrd;
                    max = MaxInitrdBytes;
                    break;
                case MediaTypes.VmDiskQcow2:
                    slot = ref disk;
                    max = MaxDiskBytes;
                    break;
                default:
                    throw new RegistryException(RegistryErrorKind.InvalidImage,
                        $"image {digest} has a layer of media type {layer.MediaType}; a VM image has {MediaTypes.VmKernel}, {MediaTypes.VmInitrd} and {MediaTypes.VmDiskQcow2} layers");
            }

            if (slot is not null)
            {
                throw new RegistryException(RegistryErrorKind.InvalidImage, $"image {digest} has more than one {layer.MediaType} layer");
            }

            if (layer.Size is < 0 || layer.Size > max)
            {
                throw new RegistryException(RegistryErrorKind.InvalidImage, $"image {digest}: the {layer.MediaType} layer is {layer.Size} bytes (at most {max})");
            }

            slot = layer;
        }

        if (initrd is not null && kernel is null)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, $"image {digest} has an initrd but no kernel");
        }

        if (kernel is null && disk is null)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, $"image {digest} has neither a kernel nor a disk to boot from");
        }

        return new VmImage { ManifestDigest = digest, Config = manifest.Config, Kernel = kernel, Initrd = initrd, Disk = disk };
    }
}
