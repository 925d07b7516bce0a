namespace SuperCloud.NativeShim;

/// <summary>A domain's guest frames mapped read-only, to verify a migrated guest's memory.</summary>
public sealed class XenForeignMapping : IDisposable
{
    private readonly XenMappingHandle _handle;

    private XenForeignMapping(XenMappingHandle handle, nint address, int length)
    {
        _handle = handle;
        Address = address;
        Length = length;
    }

    /// <summary>Address of the first mapped byte.</summary>
    public nint Address { get; }

    /// <summary>Mapped bytes.</summary>
    public int Length { get; }

    /// <summary>The mapped memory; valid until the mapping is disposed.</summary>
    public unsafe ReadOnlySpan<byte> Memory
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return new ReadOnlySpan<byte>((void*)Address, Length);
        }
    }

    /// <summary>Maps <paramref name="frames"/> (guest frame numbers) of domain <paramref name="domId"/> read-only.</summary>
    /// <exception cref="XenUnavailableException">The host has no Xen or the shim lacks libxen support.</exception>
    public static unsafe XenForeignMapping Map(uint domId, ReadOnlySpan<ulong> frames)
    {
        if (frames.IsEmpty)
        {
            throw new ArgumentException("At least one guest frame number is required.", nameof(frames));
        }

        XenMappingHandle handle;
        int rc;
        NativeError error;
        fixed (ulong* p = frames)
        {
            rc = NativeMethods.sc_xen_map_foreign_ro(domId, p, (nuint)frames.Length, out handle, out error);
        }

        if (rc < 0)
        {
            handle.Dispose();
            ShimException.ThrowIfFailed(rc, error, "sc_xen_map_foreign_ro");
        }

        var length = NativeMethods.sc_xen_mapping_length(handle);
        return new XenForeignMapping(handle, NativeMethods.sc_xen_mapping_address(handle), checked((int)length));
    }

    /// <summary>Unmaps the pages.</summary>
    public void Dispose() => _handle.Dispose();
}
