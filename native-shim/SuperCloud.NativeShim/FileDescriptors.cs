using System.Runtime.InteropServices;

namespace SuperCloud.NativeShim;

/// <summary>Turns SafeHandles into raw fds while keeping them alive for the native call.</summary>
internal static class FileDescriptors
{
    /// <summary>Adds a reference to <paramref name="handle"/> and returns its fd; pair with <see cref="SafeHandle.DangerousRelease"/>.</summary>
    internal static int AddRef(SafeHandle handle, string paramName)
    {
        ArgumentNullException.ThrowIfNull(handle, paramName);
        if (handle.IsInvalid)
        {
            throw new ArgumentException("The handle is invalid.", paramName);
        }

        var added = false;
        handle.DangerousAddRef(ref added); // throws ObjectDisposedException for a closed handle
        var value = handle.DangerousGetHandle();
        if (value < 0 || value > int.MaxValue)
        {
            handle.DangerousRelease();
            throw new ArgumentException($"The handle {value} is not a file descriptor.", paramName);
        }

        return (int)value;
    }
}
