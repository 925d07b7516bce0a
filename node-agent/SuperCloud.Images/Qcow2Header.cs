using System.Buffers.Binary;

namespace SuperCloud.Images;

/// <summary>
/// The fields of a qcow2 header that decide whether a disk from a registry is safe to hand to QEMU: a backing file or an
/// external data file would make QEMU open a host path the image's author chose, and an encrypted image cannot boot.
/// </summary>
/// <param name="Version">2 or 3.</param>
/// <param name="VirtualSize">The disk's size as the guest sees it, in bytes.</param>
public sealed record Qcow2Header(int Version, long VirtualSize)
{
    private const uint Magic = 0x514649FB; // "QFI\xfb"
    private const ulong ExternalDataFileBit = 1UL << 2;

    /// <summary>Reads and checks the header of <paramref name="path"/>; throws <see cref="RegistryException"/> (InvalidImage) saying why it is refused.</summary>
    public static Qcow2Header Read(string path)
    {
        Span<byte> header = stackalloc byte[104];
        int read;
        using (var file = File.OpenRead(path))
        {
            read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        if (read < 72 || BinaryPrimitives.ReadUInt32BigEndian(header) != Magic)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, "the disk layer is not a qcow2 image");
        }

        var version = (int)BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        if (version is not (2 or 3))
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, $"the disk layer is qcow2 version {version}; versions 2 and 3 are supported");
        }

        if (BinaryPrimitives.ReadUInt64BigEndian(header[8..]) != 0 || BinaryPrimitives.ReadUInt32BigEndian(header[16..]) != 0)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, "the disk layer names a backing file; an image's disk must stand alone (qemu-img convert it first)");
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(header[32..]) != 0)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, "the disk layer is encrypted");
        }

        if (version == 3 && (read < 80 || (BinaryPrimitives.ReadUInt64BigEndian(header[72..]) & ExternalDataFileBit) != 0))
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, "the disk layer keeps its data in an external file");
        }

        var size = BinaryPrimitives.ReadUInt64BigEndian(header[24..]);
        return size is 0 or > long.MaxValue
            ? throw new RegistryException(RegistryErrorKind.InvalidImage, $"the disk layer's virtual size {size} is not usable")
            : new Qcow2Header(version, (long)size);
    }
}
