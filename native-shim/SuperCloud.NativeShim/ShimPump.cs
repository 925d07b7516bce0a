using System.Runtime.InteropServices;

namespace SuperCloud.NativeShim;

/// <summary>
/// Moves a migration stream from one file descriptor to another in native code (splice, framing with
/// digests, pacing), with counters readable while it runs and cancellation from any thread.
/// </summary>
public sealed class ShimPump : IDisposable
{
    private readonly ShimPumpHandle _handle;

    private ShimPump(ShimPumpHandle handle) => _handle = handle;

    /// <summary>
    /// Creates a pump from <paramref name="input"/> to <paramref name="output"/> (pipes, sockets or files).
    /// Both handles are kept alive until the pump is disposed; while it runs they are non-blocking.
    /// Dispose the pump before the handles' owners: <c>Socket.Dispose</c> waits until the pump lets go.
    /// </summary>
    public static ShimPump Create(SafeHandle input, SafeHandle output, PumpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var native = options.ToNative();
        var inFd = FileDescriptors.AddRef(input, nameof(input));
        int outFd;
        try
        {
            outFd = FileDescriptors.AddRef(output, nameof(output));
        }
        catch
        {
            input.DangerousRelease();
            throw;
        }

        var rc = NativeMethods.sc_pump_create(inFd, outFd, native, out var handle, out var error);
        if (rc < 0)
        {
            handle.Dispose();
            input.DangerousRelease();
            output.DangerousRelease();
            ShimException.ThrowIfFailed(rc, error, "sc_pump_create");
        }

        handle.Retain(input, output);
        return new ShimPump(handle);
    }

    /// <summary>Runs the pump to completion on the calling thread.</summary>
    /// <exception cref="ShimStreamCorruptedException">A decoded stream was corrupted or truncated.</exception>
    /// <exception cref="OperationCanceledException">The pump was cancelled.</exception>
    /// <exception cref="ShimException">Any other native failure (the errno and operation are named).</exception>
    public void Run() => RunCore(CancellationToken.None);

    /// <summary>Runs the pump on a dedicated thread; cancelling the token cancels the pump.</summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            Cancel();
        }

        return Task.Factory.StartNew(
            () =>
            {
                using var registration = cancellationToken.Register(static state => ((ShimPump)state!).Cancel(), this);
                RunCore(cancellationToken);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>Requests cancellation; safe from any thread, before or during a run.</summary>
    public void Cancel()
    {
        if (_handle.IsClosed)
        {
            return;
        }

        var rc = NativeMethods.sc_pump_cancel(_handle);
        if (rc < 0)
        {
            throw new ShimException("sc_pump_cancel", -rc, string.Empty);
        }
    }

    /// <summary>Reads the counters; safe while the pump runs on another thread.</summary>
    public PumpStats GetStats()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        NativeMethods.sc_pump_get_stats(_handle, out var s);
        return new PumpStats(
            (long)s.BytesIn,
            (long)s.BytesOut,
            (long)s.PayloadBytes,
            (long)s.Chunks,
            TimeSpan.FromTicks((long)(s.ThrottledNanoseconds / 100)),
            (PumpState)s.State,
            s.UsesSplice != 0);
    }

    /// <summary>Cancels a run in progress and frees the pump once that run has returned.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
        {
            return;
        }

        // The marshaller holds a reference during sc_pump_run, so the native pump is destroyed only
        // after a cancelled run has returned.
        Cancel();
        _handle.Dispose();
    }

    private void RunCore(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var rc = NativeMethods.sc_pump_run(_handle, out var error);
        ShimException.ThrowIfFailed(rc, error, "sc_pump_run", cancellationToken);
    }
}
