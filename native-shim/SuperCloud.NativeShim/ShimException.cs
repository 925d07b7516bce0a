using System.Runtime.InteropServices;

namespace SuperCloud.NativeShim;

/// <summary>A call into libsupercloud_shim failed; names the native operation and its errno.</summary>
public class ShimException : Exception
{
    /// <summary>Creates an exception without details.</summary>
    public ShimException()
        : this("native shim call failed")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public ShimException(string message)
        : base(message)
    {
        Operation = string.Empty;
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public ShimException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = string.Empty;
    }

    /// <summary>Creates an exception for <paramref name="operation"/> failing with <paramref name="errno"/>.</summary>
    public ShimException(string operation, int errno, string nativeMessage)
        : base(Describe(operation, errno, nativeMessage))
    {
        Operation = operation;
        Errno = errno;
        NativeMessage = nativeMessage;
    }

    /// <summary>The native function that failed, e.g. <c>sc_pump_run</c>.</summary>
    public string Operation { get; }

    /// <summary>The positive errno value (e.g. 74 for EBADMSG).</summary>
    public int Errno { get; }

    /// <summary>The message the native library reported.</summary>
    public string NativeMessage { get; } = string.Empty;

    /// <summary>Throws the exception type that fits <paramref name="rc"/> when it is negative.</summary>
    internal static void ThrowIfFailed(int rc, in NativeError error, string operation, CancellationToken cancellationToken = default)
    {
        if (rc >= 0)
        {
            return;
        }

        var errno = -rc;
        var text = error.Code == rc ? error.Text : string.Empty;
        if (errno == NativeShim.Errno.ECANCELED)
        {
            throw new OperationCanceledException($"{operation}: {(text.Length > 0 ? text : "cancelled")}", cancellationToken);
        }

        throw errno switch
        {
            NativeShim.Errno.EBADMSG or NativeShim.Errno.EPROTO => new ShimStreamCorruptedException(operation, errno, text),
            NativeShim.Errno.ENOSYS when operation.StartsWith("sc_xen_", StringComparison.Ordinal) => new XenUnavailableException(operation, errno, text),
            _ => new ShimException(operation, errno, text),
        };
    }

    private static string Describe(string operation, int errno, string nativeMessage)
    {
        var detail = string.IsNullOrEmpty(nativeMessage) ? Marshal.GetPInvokeErrorMessage(errno) : nativeMessage;
        return $"{operation} failed with {NativeShim.Errno.Name(errno)} ({errno}): {detail}";
    }
}
