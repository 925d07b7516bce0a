namespace SuperCloud.NativeShim;

/// <summary>Linux errno values the bindings map to specific exceptions (identical on x86-64 and arm64).</summary>
internal static class Errno
{
    internal const int EPERM = 1;
    internal const int EBADF = 9;
    internal const int EINVAL = 22;
    internal const int ENOSYS = 38;
    internal const int EPROTO = 71;
    internal const int EBADMSG = 74;
    internal const int EALREADY = 114;
    internal const int ECANCELED = 125;

    /// <summary>The symbolic name of the values above, else "errno N".</summary>
    internal static string Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        EBADF => "EBADF",
        EINVAL => "EINVAL",
        ENOSYS => "ENOSYS",
        EPROTO => "EPROTO",
        EBADMSG => "EBADMSG",
        EALREADY => "EALREADY",
        ECANCELED => "ECANCELED",
        _ => $"errno {errno}",
    };
}
