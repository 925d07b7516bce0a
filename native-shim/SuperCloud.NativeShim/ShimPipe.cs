using Microsoft.Win32.SafeHandles;

namespace SuperCloud.NativeShim;

/// <summary>
/// A pipe with a chosen capacity, for moving a pump's stream to or from a .NET thread: with the default 64 KiB every
/// megabyte wakes both sides sixteen times. Both ends are blocking and close-on-exec; dispose closes what is left open.
/// </summary>
public sealed class ShimPipe : IDisposable
{
    private ShimPipe(SafeFileHandle read, SafeFileHandle write, int capacity)
    {
        Read = read;
        Write = write;
        Capacity = capacity;
    }

    /// <summary>The read end.</summary>
    public SafeFileHandle Read { get; }

    /// <summary>The write end.</summary>
    public SafeFileHandle Write { get; }

    /// <summary>The capacity the system granted, at most the one asked for, at least its default.</summary>
    public int Capacity { get; }

    /// <summary>Opens a pipe of <paramref name="capacity"/> bytes (or the largest the system allows below that).</summary>
    public static unsafe ShimPipe Open(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        var fds = stackalloc int[2];
        var rc = NativeMethods.sc_pipe_open(fds, (uint)capacity, out var actual, out var error);
        ShimException.ThrowIfFailed(rc, error, "sc_pipe_open");
        return new ShimPipe(new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true), (int)actual);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Read.Dispose();
        Write.Dispose();
    }
}
