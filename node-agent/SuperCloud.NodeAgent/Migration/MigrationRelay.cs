using System.Net.Sockets;
using System.Threading.Channels;
using SuperCloud.NativeShim;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// Carries one migration's two byte streams between this host's hypervisor socket and the peer agent's connection:
/// hypervisor → shim pump (ENCODE: frames with digests, paced) → pipe → DATA records → peer, and peer → DATA records →
/// pipe → shim pump (DECODE: every frame verified before a byte of it is forwarded) → hypervisor. On the source the
/// first direction is the migration stream and the second its return path; on the target it is the other way round.
/// Control messages travel between the data records. The first failure of any part tears the whole relay down, which
/// closes the hypervisor's socket so its migration fails at once rather than waiting on a dead stream.
/// Each part runs on its own thread with blocking I/O and 1 MiB pipes and records: the stream is a few hundred
/// megabytes to move as fast as the host allows, and every wake-up between the parts costs throughput.
/// </summary>
internal sealed class MigrationRelay : IAsyncDisposable
{
    private const int ReadChunk = MigrationWire.MaxPayload;
    private const int PipeCapacity = 1 << 20;
    private readonly Stream _network;
    private readonly Action? _abortNetwork;
    private readonly Socket _hypervisor;
    private readonly RelaySettings _settings;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Channel<MigrationControl> _controls = Channel.CreateUnbounded<MigrationControl>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<RelayFailure> _failure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private ShimPipe? _outgoingPipe;
    private ShimPipe? _incomingPipe;
    private ShimPump? _encoder;
    private ShimPump? _decoder;
    private Task _tasks = Task.CompletedTask;
    private PumpStats? _encoderStats;
    private PumpStats? _decoderStats;
    private long _corruptAt;
    private int _disposed;

    /// <param name="network">The connection to the peer agent; owned by the relay from now on.</param>
    /// <param name="abortNetwork">Drops the connection at once (the teardown after a failure), or null to just dispose it.</param>
    /// <param name="hypervisor">The local hypervisor's migration socket; owned by the relay from now on.</param>
    /// <param name="settings">Framing, pacing and fault injection of the outgoing stream.</param>
    /// <param name="logger">Records failures.</param>
    public MigrationRelay(Stream network, Action? abortNetwork, Socket hypervisor, RelaySettings settings, ILogger logger)
    {
        _network = network;
        _abortNetwork = abortNetwork;
        _hypervisor = hypervisor;
        _settings = settings;
        _logger = logger;
        _corruptAt = settings.CorruptOutgoingByteAt;
    }

    /// <summary>Control messages from the peer, in order.</summary>
    public ChannelReader<MigrationControl> Controls => _controls.Reader;

    /// <summary>Completes with the first failure (never when the relay ends cleanly or is disposed).</summary>
    public Task<RelayFailure> Failure => _failure.Task;

    /// <summary>Completes when this side's stream (hypervisor → peer) has been sent whole, END record included.</summary>
    public Task Sent => _sent.Task;

    /// <summary>Completes when the peer's stream (peer → hypervisor) has been received whole and verified.</summary>
    public Task Received => _received.Task;

    /// <summary>Creates the pipes and pumps and starts moving bytes.</summary>
    public void Start()
    {
        // Both pumps use the hypervisor socket, one reading and one writing. They switch it to non-blocking while they
        // run and restore its flags when they return; set it non-blocking first so neither restores it under the other.
        _hypervisor.Blocking = false;
        _outgoingPipe = ShimPipe.Open(PipeCapacity);
        _incomingPipe = ShimPipe.Open(PipeCapacity);
        _encoder = ShimPump.Create(_hypervisor.SafeHandle, _outgoingPipe.Write, new PumpOptions
        {
            Mode = PumpMode.Encode,
            Digest = FrameDigest.XxHash64,
            ChunkSize = _settings.ChunkSize,
            RateBytesPerSecond = _settings.RateBytesPerSecond,
        });
        _decoder = ShimPump.Create(_incomingPipe.Read, _hypervisor.SafeHandle, new PumpOptions
        {
            Mode = PumpMode.Decode,
            Digest = FrameDigest.Any,
            ChunkSize = _settings.ChunkSize,
        });
        _tasks = Task.WhenAll(
            Guard("encode", EncodeAsync),
            Guard("send", Blocking(Send)),
            Guard("receive", Blocking(Receive)),
            Guard("decode", DecodeAsync));
    }

    /// <summary>Sends a control message to the peer, between data records.</summary>
    public async Task SendControlAsync(MigrationControl message, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await MigrationWire.WriteControlAsync(_network, message, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The pumps' counters: what this side sent (payload and framed) and what it received and verified.</summary>
    public RelayCounters Counters
    {
        get
        {
            lock (_lock)
            {
                var encoded = _encoderStats ?? _encoder?.GetStats();
                var decoded = _decoderStats ?? _decoder?.GetStats();
                return new RelayCounters(encoded?.PayloadBytes ?? 0, encoded?.BytesOut ?? 0, decoded?.PayloadBytes ?? 0, decoded?.BytesIn ?? 0);
            }
        }
    }

    /// <summary>Stops everything: pumps, pipes, the hypervisor socket and the connection; waits for every part to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Teardown();
        try
        {
            await _tasks;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or ShimException or SocketException)
        {
            // Each part reports its own failure before this point; what is left are the effects of the teardown.
        }

        _outgoingPipe?.Dispose();
        _incomingPipe?.Dispose();
        _hypervisor.Dispose();
        _writeLock.Dispose();
        _stop.Dispose();
    }

    private async Task Guard(string part, Func<CancellationToken, Task> body)
    {
        try
        {
            await body(_stop.Token);
        }
        catch (Exception ex) when (_stop.IsCancellationRequested)
        {
            _logger.RelayPartStopped(ex, part);
        }
        catch (Exception ex)
        {
            var failure = Classify(part, ex);
            if (_failure.TrySetResult(failure))
            {
                _logger.RelayFailed(part, failure.Reason, failure.Message);
            }

            // Tear down at once: the hypervisor must see its stream end now, not after a timeout.
            CloseQuietly(() => _abortNetwork?.Invoke());
            Teardown();
        }
    }

    private async Task EncodeAsync(CancellationToken cancellationToken)
    {
        await _encoder!.RunAsync(cancellationToken);

        // The END frame is written: close the pipe's write end so the sender sees end of file after draining it.
        lock (_lock)
        {
            _encoderStats = _encoder.GetStats();
        }

        _encoder.Dispose();
        _outgoingPipe!.Write.Dispose();
    }

    private void Send(CancellationToken cancellationToken)
    {
        var buffer = new byte[MigrationWire.HeaderSize + ReadChunk];
        using var pipe = new FileStream(_outgoingPipe!.Read, FileAccess.Read, 1);
        long offset = 0;
        while (true)
        {
            var read = pipe.Read(buffer, MigrationWire.HeaderSize, ReadChunk);
            if (read == 0)
            {
                break;
            }

            InjectCorruption(buffer.AsSpan(MigrationWire.HeaderSize, read), offset);
            offset += read;
            MigrationWire.WriteHeader(buffer, MigrationWire.Data, read);
            WriteRecord(buffer.AsSpan(0, MigrationWire.HeaderSize + read), cancellationToken);
        }

        var end = new byte[MigrationWire.HeaderSize];
        MigrationWire.WriteHeader(end, MigrationWire.End, 0);
        WriteRecord(end, cancellationToken);
        _sent.TrySetResult();
    }

    private void Receive(CancellationToken cancellationToken)
    {
        var header = new byte[MigrationWire.HeaderSize];
        var payload = new byte[MigrationWire.MaxPayload];
        var ended = false;
        var pipe = new FileStream(_incomingPipe!.Write, FileAccess.Write, 1);
        try
        {
            while (MigrationWire.ReadHeader(_network, header) is { } record)
            {
                _network.ReadExactly(payload, 0, record.Length);
                switch (record.Type)
                {
                    case MigrationWire.Data when ended:
                        throw new MigrationProtocolException("the peer sent data after the end of its stream");
                    case MigrationWire.Data:
                        pipe.Write(payload, 0, record.Length);
                        break;
                    case MigrationWire.End:
                        ended = true;

                        // The decoder stops at the END frame; end of file on its input tells it nothing more is coming.
                        pipe.Dispose();
                        break;
                    default:
                        _controls.Writer.TryWrite(MigrationWire.ParseControl(payload.AsSpan(0, record.Length)));
                        break;
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            pipe.Dispose();
        }


        _controls.Writer.TryComplete();
        if (!ended)
        {
            throw new MigrationProtocolException("the peer closed the migration connection before the end of its stream");
        }
    }

    private async Task DecodeAsync(CancellationToken cancellationToken)
    {
        await _decoder!.RunAsync(cancellationToken);
        lock (_lock)
        {
            _decoderStats = _decoder.GetStats();
        }

        _received.TrySetResult();
    }

    private void WriteRecord(ReadOnlySpan<byte> record, CancellationToken cancellationToken)
    {
        _writeLock.Wait(cancellationToken);
        try
        {
            _network.Write(record);
            _network.Flush();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    // A part that blocks in system calls gets a thread of its own instead of a thread-pool thread.
    private static Func<CancellationToken, Task> Blocking(Action<CancellationToken> body) =>
        cancellationToken => Task.Factory.StartNew(() => body(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void InjectCorruption(Span<byte> chunk, long offset)
    {
        var at = Interlocked.Read(ref _corruptAt);
        if (at < offset || at >= offset + chunk.Length)
        {
            return;
        }

        chunk[(int)(at - offset)] ^= 0x5a;
        Interlocked.Exchange(ref _corruptAt, -1);
        _logger.CorruptionInjected(at);
    }

    // Idempotent. Each blocked part is released by closing what it waits on: the pumps are cancelled and let go of
    // their pipe ends (so the sender reads end of file and the receiver's writes fail), the hypervisor's socket is
    // shut down (so QEMU's migration fails now) and the connection is closed.
    private void Teardown()
    {
        _stop.Cancel();
        lock (_lock)
        {
            if (_encoder is not null)
            {
                _encoderStats ??= SafeStats(_encoder);
                _encoder.Dispose();
            }

            if (_decoder is not null)
            {
                _decoderStats ??= SafeStats(_decoder);
                _decoder.Dispose();
            }

            // The pumps' ends: the sender then reads end of file, the receiver's writes fail.
            _outgoingPipe?.Write.Dispose();
            _incomingPipe?.Read.Dispose();
        }

        CloseQuietly(() => _hypervisor.Shutdown(SocketShutdown.Both));
        CloseQuietly(_network.Dispose);
        _controls.Writer.TryComplete();
    }

    private static PumpStats? SafeStats(ShimPump pump)
    {
        try
        {
            return pump.GetStats();
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    private static RelayFailure Classify(string part, Exception error) => error switch
    {
        ShimStreamCorruptedException { IsTruncation: true } truncated => new RelayFailure(RelayFailure.ConnectionLost, $"the peer's migration stream ended before its end-of-stream frame: {truncated.Message}"),
        ShimStreamCorruptedException corrupted => new RelayFailure(RelayFailure.StreamCorrupted, $"the received migration stream failed verification: {corrupted.Message}"),
        MigrationProtocolException protocol => new RelayFailure(RelayFailure.ConnectionLost, protocol.Message),
        ShimException shim when part == "encode" => new RelayFailure(RelayFailure.HypervisorStream, $"reading the hypervisor's migration stream failed: {shim.Message}"),
        ShimException shim => new RelayFailure(RelayFailure.HypervisorStream, $"writing the migration stream to the hypervisor failed: {shim.Message}"),
        IOException or SocketException or ObjectDisposedException => new RelayFailure(RelayFailure.ConnectionLost, $"the migration connection to the peer agent failed ({part}): {error.Message}"),
        _ => new RelayFailure(RelayFailure.ConnectionLost, $"migration relay {part} failed: {error.GetType().Name}: {error.Message}"),
    };

    private static void CloseQuietly(Action close)
    {
        try
        {
            close();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException or IOException or ShimException or InvalidOperationException)
        {
            // Already closed or never opened.
        }
    }
}
