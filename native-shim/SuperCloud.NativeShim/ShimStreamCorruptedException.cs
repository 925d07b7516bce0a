namespace SuperCloud.NativeShim;

/// <summary>A framed migration stream was corrupted (EBADMSG) or truncated / out of protocol (EPROTO).</summary>
public sealed class ShimStreamCorruptedException : ShimException
{
    /// <summary>Creates an exception without details.</summary>
    public ShimStreamCorruptedException()
        : base("migration stream corrupted")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public ShimStreamCorruptedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public ShimStreamCorruptedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for <paramref name="operation"/> failing with <paramref name="errno"/>.</summary>
    public ShimStreamCorruptedException(string operation, int errno, string nativeMessage)
        : base(operation, errno, nativeMessage)
    {
    }

    /// <summary>True when the stream ended early rather than carrying altered bytes.</summary>
    public bool IsTruncation => NativeMessage.Contains("truncated", StringComparison.Ordinal);
}
