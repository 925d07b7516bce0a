namespace SuperCloud.NativeShim;

/// <summary>A Xen call was made on a host without Xen (or a shim built without libxen support); errno ENOSYS.</summary>
public sealed class XenUnavailableException : ShimException
{
    /// <summary>Creates an exception without details.</summary>
    public XenUnavailableException()
        : base("Xen not available")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public XenUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public XenUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for <paramref name="operation"/> failing with <paramref name="errno"/>.</summary>
    public XenUnavailableException(string operation, int errno, string nativeMessage)
        : base(operation, errno, nativeMessage)
    {
    }
}
