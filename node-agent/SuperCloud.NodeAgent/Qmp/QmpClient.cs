using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace SuperCloud.NodeAgent.Qmp;

/// <summary>
/// A small asynchronous client for the QEMU Machine Protocol over a Unix socket: greeting and capabilities
/// negotiation, commands correlated by id with per-command timeouts, out-of-band commands, and events as async streams.
/// </summary>
/// <remarks>
/// QEMU runs ordinary commands in its main loop. On a post-copy target that loop can block for as long as a page is
/// missing (a vCPU holding the big lock faults on it), and a lost stream leaves it blocked until the stream is
/// recovered: then only out-of-band commands (<c>migrate-recover</c>, <c>migrate-pause</c>) and events get through.
/// QEMU queues at most eight in-band commands and stops reading the socket, out-of-band ones included, once the queue
/// is full, so the client never lets that many go unanswered.
/// </remarks>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<string, PendingCommand> _pending = new();
    private readonly Lock _subscribersLock = new();
    private readonly List<Channel<QmpEvent>> _subscribers = [];
    private readonly CancellationTokenSource _disposed = new();
    // QMP messages are single-line JSON objects terminated by CRLF or LF. The buffer is only touched by one reader at a
    // time: the greeting is read before the read loop starts.
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _buffered;
    private Task _readLoop = Task.CompletedTask;
    private long _nextId;
    private int _inBandBacklog;
    private string? _closedReason;

    /// <summary>
    /// In-band commands QEMU has not answered yet, including those whose callers gave up: QEMU still holds them in its
    /// queue. At <see cref="MaxInBandBacklog"/> further in-band commands fail at once with <see cref="QmpTimeoutException"/>.
    /// </summary>
    public int InBandBacklog => Volatile.Read(ref _inBandBacklog);

    /// <summary>The most unanswered in-band commands the client sends, below QEMU's queue of eight.</summary>
    public const int MaxInBandBacklog = 6;

    /// <summary>True when QEMU offered, and the client enabled, out-of-band execution (<c>exec-oob</c>).</summary>
    public bool SupportsOutOfBand { get; private set; }

    private QmpClient(Socket socket, TimeProvider timeProvider)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _timeProvider = timeProvider;
    }

    /// <summary>The QEMU version announced in the greeting, e.g. <c>7.2.22</c>.</summary>
    public string QemuVersion { get; private set; } = "";

    /// <summary>True until QEMU closes the connection or the client is disposed.</summary>
    public bool IsConnected => Volatile.Read(ref _closedReason) is null;

    /// <summary>Completes when the connection closes (QEMU exited, socket broke or the client was disposed).</summary>
    public Task Completion => _readLoop;

    /// <summary>Connects to the QMP socket at <paramref name="socketPath"/>, reads the greeting and leaves capabilities negotiation mode.</summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, TimeProvider timeProvider, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        QmpClient? client = null;
        try
        {
            using var timeoutCts = new CancellationTokenSource(timeout, timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), linked.Token);
            }
            catch (SocketException ex)
            {
                throw new QmpDisconnectedException(null, $"cannot connect to {socketPath}: {ex.SocketErrorCode}", ex);
            }

            client = new QmpClient(socket, timeProvider);
            JsonObject greeting;
            try
            {
                greeting = await client.ReadMessageAsync(linked.Token)
                    ?? throw new QmpDisconnectedException("greeting", "QEMU closed the socket before its greeting");
            }
            catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new QmpTimeoutException("greeting", timeout);
            }

            if (greeting["QMP"] is not JsonObject qmp)
            {
                throw new QmpException("greeting", $"QMP greeting expected, got: {greeting.ToJsonString()}");
            }

            var version = qmp["version"]?["qemu"];
            client.QemuVersion = version is null ? "unknown" : $"{version["major"]}.{version["minor"]}.{version["micro"]}";
            client._readLoop = Task.Run(client.ReadLoopAsync, CancellationToken.None);
            var offersOutOfBand = qmp["capabilities"] is JsonArray offered && offered.Any(c => c?.GetValue<string>() == "oob");
            await client.ExecuteAsync("qmp_capabilities", offersOutOfBand ? new JsonObject { ["enable"] = new JsonArray("oob") } : null, timeout, cancellationToken);
            client.SupportsOutOfBand = offersOutOfBand;
            return client;
        }
        catch
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> with optional <paramref name="arguments"/> and returns QEMU's <c>return</c> value.
    /// Throws <see cref="QmpCommandException"/> on an error reply, <see cref="QmpTimeoutException"/> when no reply came
    /// within <paramref name="timeout"/>, and <see cref="QmpDisconnectedException"/> when the connection closed.
    /// </summary>
    public Task<JsonElement> ExecuteAsync(string command, JsonObject? arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync(command, arguments, outOfBand: false, timeout, cancellationToken);

    /// <summary>
    /// Runs <paramref name="command"/> out of band (<c>exec-oob</c>): QEMU answers it from its monitor thread even while
    /// its main loop is blocked. Only commands QEMU marks <c>allow-oob</c> qualify; without out-of-band support in this
    /// QEMU it runs in band.
    /// </summary>
    public Task<JsonElement> ExecuteOutOfBandAsync(string command, JsonObject? arguments, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync(command, arguments, outOfBand: SupportsOutOfBand, timeout, cancellationToken);

    private async Task<JsonElement> SendAsync(string command, JsonObject? arguments, bool outOfBand, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        if (Volatile.Read(ref _closedReason) is { } reason)
        {
            throw new QmpDisconnectedException(command, reason);
        }

        if (!outOfBand && InBandBacklog >= MaxInBandBacklog)
        {
            throw new QmpTimeoutException(command, TimeSpan.Zero,
                $"QMP command '{command}' not sent: QEMU has not answered {InBandBacklog} earlier commands (its main loop is blocked)");
        }

        var id = (outOfBand ? "sc-oob-" : "sc-") + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var pending = new PendingCommand(command, outOfBand);
        _pending[id] = pending;
        if (!outOfBand)
        {
            Interlocked.Increment(ref _inBandBacklog);
        }

        var abandoned = true;
        var queued = false;
        try
        {
            var message = new JsonObject { [outOfBand ? "exec-oob" : "execute"] = command, ["id"] = id };
            if (arguments is not null)
            {
                message["arguments"] = arguments.DeepClone();
            }

            using var timeoutCts = new CancellationTokenSource(timeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token, _disposed.Token);
            try
            {
                await WriteMessageAsync(message, linked.Token);
                queued = true;
                var reply = await pending.Reply.Task.WaitAsync(linked.Token);
                abandoned = false;
                return reply;
            }
            catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new QmpTimeoutException(command, timeout);
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new QmpDisconnectedException(command, "the client was disposed");
            }
            catch (IOException ex)
            {
                throw new QmpDisconnectedException(command, ex.Message, ex);
            }
        }
        catch (QmpCommandException)
        {
            abandoned = false;
            throw;
        }
        finally
        {
            // A command given up on stays in QEMU's queue: it leaves the backlog when its late reply arrives.
            var answered = !abandoned || !queued || outOfBand || !IsConnected;
            if (!answered)
            {
                lock (pending)
                {
                    answered = pending.Answered;
                    pending.Abandoned = !answered;
                }
            }

            if (answered)
            {
                Forget(id);
            }
        }
    }

    /// <summary>Streams the events received from now on until the connection closes or <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<QmpEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Subscribe();
        try
        {
            await foreach (var evt in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return evt;
            }
        }
        finally
        {
            Unsubscribe(channel);
        }
    }

    /// <summary>
    /// Subscribes to events now (so none is missed between a command and the wait for its event) and returns the reader;
    /// dispose the returned subscription to stop receiving.
    /// </summary>
    public QmpEventSubscription SubscribeEvents()
    {
        var channel = Subscribe();
        return new QmpEventSubscription(channel.Reader, () => Unsubscribe(channel));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync();
        MarkClosed("the client was disposed");
        _socket.Dispose();
        try
        {
            await _readLoop;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // The read loop ends with the socket it was reading; its error is the expected end of the connection.
        }

        await _stream.DisposeAsync();
        _writeLock.Dispose();
        _disposed.Dispose();
    }

    private Channel<QmpEvent> Subscribe()
    {
        var channel = Channel.CreateUnbounded<QmpEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_subscribersLock)
        {
            if (!IsConnected)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _subscribers.Add(channel);
            }
        }

        return channel;
    }

    private void Unsubscribe(Channel<QmpEvent> channel)
    {
        lock (_subscribersLock)
        {
            _subscribers.Remove(channel);
        }

        channel.Writer.TryComplete();
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var message = await ReadMessageAsync(_disposed.Token);
                if (message is null)
                {
                    MarkClosed("QEMU closed the socket");
                    return;
                }

                Dispatch(message);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or JsonException)
        {
            MarkClosed(ex is JsonException ? $"malformed QMP message: {ex.Message}" : ex.Message);
        }
    }

    private void Dispatch(JsonObject message)
    {
        if (message["event"] is JsonValue name)
        {
            var timestamp = message["timestamp"] is JsonObject ts
                ? DateTimeOffset.FromUnixTimeMilliseconds(((long?)ts["seconds"] ?? 0) * 1000 + ((long?)ts["microseconds"] ?? 0) / 1000)
                : _timeProvider.GetUtcNow();
            var data = message["data"] is { } d ? JsonSerializer.SerializeToElement(d) : default;
            var evt = new QmpEvent(name.GetValue<string>(), data, timestamp);
            lock (_subscribersLock)
            {
                foreach (var subscriber in _subscribers)
                {
                    subscriber.Writer.TryWrite(evt);
                }
            }

            return;
        }

        if (message["id"] is not JsonValue idNode || !idNode.TryGetValue<string>(out var id) || !_pending.TryGetValue(id, out var pending))
        {
            return;
        }

        lock (pending)
        {
            pending.Answered = true;
            if (pending.Abandoned)
            {
                // The late reply to a command whose caller gave up: QEMU's queue is one shorter, nothing waits for it.
                Forget(id);
                return;
            }
        }

        if (message["error"] is JsonObject error)
        {
            pending.Reply.TrySetException(new QmpCommandException(
                pending.Command,
                (string?)error["class"] ?? "UnknownError",
                (string?)error["desc"] ?? error.ToJsonString()));
        }
        else
        {
            pending.Reply.TrySetResult(message["return"] is { } ret ? JsonSerializer.SerializeToElement(ret) : default);
        }
    }

    private void Forget(string id)
    {
        if (_pending.TryRemove(id, out var pending) && !pending.OutOfBand)
        {
            Interlocked.Decrement(ref _inBandBacklog);
        }
    }

    private void MarkClosed(string reason)
    {
        if (Interlocked.CompareExchange(ref _closedReason, reason, null) is not null)
        {
            return;
        }

        foreach (var pending in _pending.Values)
        {
            pending.Reply.TrySetException(new QmpDisconnectedException(pending.Command, reason));
        }

        lock (_subscribersLock)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryComplete();
            }

            _subscribers.Clear();
        }
    }

    private async Task WriteMessageAsync(JsonObject message, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<JsonObject?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', 0, _buffered);
            if (newline >= 0)
            {
                var line = _buffer.AsSpan(0, newline).TrimEnd((byte)'\r');
                JsonObject? parsed = line.IsEmpty ? null : JsonNode.Parse(line) as JsonObject;
                Buffer.BlockCopy(_buffer, newline + 1, _buffer, 0, _buffered - newline - 1);
                _buffered -= newline + 1;
                if (parsed is not null)
                {
                    return parsed;
                }

                continue;
            }

            if (_buffered == _buffer.Length)
            {
                throw new JsonException($"QMP message longer than {_buffer.Length} bytes");
            }

            var read = await _stream.ReadAsync(_buffer.AsMemory(_buffered), cancellationToken);
            if (read == 0)
            {
                return null;
            }

            _buffered += read;
        }
    }

    private sealed class PendingCommand(string command, bool outOfBand)
    {
        public string Command { get; } = command;

        public bool OutOfBand { get; } = outOfBand;

        // Both guarded by locking the command: exactly one of the caller and the reader removes it.
        public bool Abandoned { get; set; }

        public bool Answered { get; set; }

        public TaskCompletionSource<JsonElement> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
