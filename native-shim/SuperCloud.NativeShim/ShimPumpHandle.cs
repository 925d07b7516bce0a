using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SuperCloud.NativeShim;

/// <summary>Owns an <c>sc_pump*</c> and keeps the pump's two fds alive until the pump is destroyed.</summary>
internal sealed class ShimPumpHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private SafeHandle? _input;
    private SafeHandle? _output;

    /// <summary>Creates an empty handle; the marshaller fills it.</summary>
    public ShimPumpHandle()
        : base(ownsHandle: true)
    {
    }

    /// <summary>Takes over the references already added to the fd handles.</summary>
    internal void Retain(SafeHandle input, SafeHandle output)
    {
        _input = input;
        _output = output;
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.sc_pump_destroy(handle);
        _input?.DangerousRelease();
        _output?.DangerousRelease();
        return true;
    }
}
