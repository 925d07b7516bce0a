using Microsoft.Win32.SafeHandles;

namespace SuperCloud.NativeShim;

/// <summary>Owns an <c>sc_xen_mapping*</c> (read-only foreign pages).</summary>
internal sealed class XenMappingHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Creates an empty handle; the marshaller fills it.</summary>
    public XenMappingHandle()
        : base(ownsHandle: true)
    {
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.sc_xen_unmap(handle);
        return true;
    }
}
