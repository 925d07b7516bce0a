using System.Buffers.Binary;
using System.Text.Json;

namespace SuperCloud.Lab.ApiServer.Storage;

/// <summary>
/// The store on disk: one append-only file of checksummed records — a checkpoint (every object and the retained watch
/// history at one resourceVersion) followed by every change since. Changes are appended in commit order by one writer
/// thread and fsynced in groups (a group commit: one fsync covers every change committed while the previous one ran);
/// the store publishes a change (watchers, responses) only after its fsync. When the changes outgrow the checkpoint the
/// writer starts a new file with a fresh checkpoint and renames it over the old one, so a crash at any moment leaves a
/// complete file. A torn tail — a record half-written when the process or machine died — is cut off at load; it was never
/// acknowledged.
/// </summary>
internal sealed partial class StoreLog : IAsyncDisposable
{
    /// <summary>The log's file name in the data directory.</summary>
    public const string FileName = "apiserver-store.log";

    private const int FrameHeader = 8;
    private static readonly byte[] Magic = "SCSTORE1"u8.ToArray();

    private readonly string _path;
    private readonly ObjectStore _store;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly long _compactionMinimumBytes;
    private readonly Lock _bufferLock = new();
    private readonly WakeSignal _signal = new();
    private readonly CancellationTokenSource _stop = new();
    private MemoryStream _buffer = new();
    private long _bufferedThrough;
    private FileStream _file;
    private long _checkpointBytes;
    private long _changeBytes;
    private Task _loop = Task.CompletedTask;

    private StoreLog(string path, ObjectStore store, FileStream file, long checkpointBytes, long changeBytes, long compactionMinimumBytes, TimeProvider time, ILogger logger)
    {
        _path = path;
        _store = store;
        _file = file;
        _checkpointBytes = checkpointBytes;
        _changeBytes = changeBytes;
        _compactionMinimumBytes = compactionMinimumBytes;
        _time = time;
        _logger = logger;
    }

    /// <summary>Bytes written in the current file since its checkpoint (tests and the bench read it).</summary>
    public long ChangeBytes => Interlocked.Read(ref _changeBytes);

    /// <summary>How many checkpoints were written since the server started.</summary>
    public int Checkpoints { get; private set; }

    /// <summary>
    /// Opens the log in <paramref name="dataDir"/>, loading it into <paramref name="store"/>; migrates a snapshot of the
    /// earlier format (<see cref="SnapshotFile"/>) when there is no log yet. Every later commit of the store is appended.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a store log, or its checkpoint is damaged.</exception>
    public static StoreLog Open(string dataDir, ObjectStore store, long compactionMinimumBytes, TimeProvider time, ILogger logger)
    {
        var path = Path.Combine(dataDir, FileName);
        StoreLog log;
        if (File.Exists(path))
        {
            var (validLength, checkpointBytes, records) = ReadFile(path);
            store.Load(records);
            var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
            if (file.Length > validLength)
            {
                LogTornTail(logger, path, file.Length - validLength, validLength);
                file.SetLength(validLength);
                file.Flush(flushToDisk: true);
            }

            file.Position = validLength;
            log = new StoreLog(path, store, file, checkpointBytes, validLength - checkpointBytes, compactionMinimumBytes, time, logger);
            LogLoaded(logger, path, records.Count, store.ResourceVersion);
        }
        else
        {
            var legacy = Path.Combine(dataDir, SnapshotFile.FileName);
            var snapshot = SnapshotFile.Load(legacy);
            if (snapshot is { } loaded)
            {
                store.Import(loaded.ResourceVersion, loaded.Objects);
                LogMigrating(logger, legacy, loaded.Objects.Count, path);
            }

            var (file, bytes, _) = WriteCheckpoint(path, store, () => { });
            log = new StoreLog(path, store, file, bytes, 0, compactionMinimumBytes, time, logger);
            if (snapshot is not null)
            {
                // Kept beside the log (not deleted) so a rollback to the earlier server still finds its data.
                File.Move(legacy, legacy + ".migrated", overwrite: true);
                DirectorySync.Sync(dataDir);
            }
        }

        store.Attach(log);
        log._loop = Task.Run(() => log.RunAsync(log._stop.Token));
        return log;
    }

    /// <summary>Buffers a committed change (called under the store's lock, so in resourceVersion order) and wakes the writer.</summary>
    public void Append(LogRecord record)
    {
        var payload = record.Encode();
        lock (_bufferLock)
        {
            WriteFrame(_buffer, payload);
            _bufferedThrough = record.ResourceVersion;
        }

        _signal.Set();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await _signal.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await FlushAsync(cancellationToken);
        }
    }

    /// <summary>Writes and fsyncs what is buffered (or a new checkpoint when the changes outgrew the last one), then publishes it.</summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (ChangeBytes > Math.Max(_compactionMinimumBytes, 2 * _checkpointBytes) && TryCheckpoint())
        {
            return;
        }

        byte[] batch;
        long through;
        lock (_bufferLock)
        {
            if (_buffer.Length == 0)
            {
                return;
            }

            batch = _buffer.ToArray();
            _buffer = new MemoryStream();
            through = _bufferedThrough;
        }

        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var at = _file.Position;
            try
            {
                _file.Write(batch);
                _file.Flush(flushToDisk: true);
                break;
            }
            catch (IOException e)
            {
                // Nothing of this batch was acknowledged: cut the partial write and try again, holding every waiting
                // response (as etcd holds a proposal while its disk fails) rather than acknowledging a write it lost.
                LogWriteFailed(_logger, e, _path);
                try
                {
                    _file.SetLength(at);
                    _file.Position = at;
                }
                catch (IOException)
                {
                    // Retried with the next attempt.
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    await Task.Delay(delay, _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }

        Interlocked.Add(ref _changeBytes, batch.Length);
        _store.Publish(through);
    }

    private bool TryCheckpoint()
    {
        try
        {
            var old = _file;
            var (file, bytes, through) = WriteCheckpoint(_path, _store, () =>
            {
                lock (_bufferLock)
                {
                    // Everything buffered is in the checkpoint's objects.
                    _buffer = new MemoryStream();
                }
            });
            _file = file;
            old.Dispose();
            _checkpointBytes = bytes;
            Interlocked.Exchange(ref _changeBytes, 0);
            Checkpoints++;
            _store.Publish(through);
            LogCheckpoint(_logger, _path, bytes);
            return true;
        }
        catch (IOException e)
        {
            // The old file stays complete; the buffered changes go to it as usual, and the next attempt waits for twice the size.
            LogWriteFailed(_logger, e, _path);
            _checkpointBytes = Math.Max(_checkpointBytes, ChangeBytes);
            return false;
        }
    }

    /// <summary>Writes a checkpoint file beside <paramref name="path"/>, fsyncs it and renames it over the log; returns it open for appending.</summary>
    private static (FileStream File, long Bytes, long ResourceVersion) WriteCheckpoint(string path, ObjectStore store, Action whileLocked)
    {
        var (rv, compacted, objects, history) = store.CheckpointState(whileLocked);
        var temp = path + ".tmp";
        using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            output.Write(Magic);
            WriteFrame(output, LogRecord.Header(rv, compacted).Encode());
            foreach (var (group, plural, obj) in objects)
            {
                WriteFrame(output, new LogRecord(LogRecordKind.Object, "ADDED", group, plural, Json.ResourceVersion(obj),
                    JsonSerializer.SerializeToUtf8Bytes(obj, Json.Options), null).Encode());
            }

            foreach (var e in history)
            {
                WriteFrame(output, new LogRecord(LogRecordKind.History, e.Type, e.Group, e.Plural, e.ResourceVersion,
                    JsonSerializer.SerializeToUtf8Bytes(e.Object, Json.Options),
                    e.Old is null ? null : JsonSerializer.SerializeToUtf8Bytes(e.Old, Json.Options)).Encode());
            }

            output.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        DirectorySync.Sync(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        file.Position = file.Length;
        return (file, file.Length, rv);
    }

    private static void WriteFrame(Stream output, byte[] payload)
    {
        Span<byte> header = stackalloc byte[FrameHeader];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32C.Compute(payload));
        output.Write(header);
        output.Write(payload);
    }

    /// <summary>Reads every whole record; the valid length ends before the first torn or damaged one.</summary>
    private static (long ValidLength, long CheckpointBytes, List<LogRecord> Records) ReadFile(string path)
    {
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        var magic = new byte[Magic.Length];
        if (input.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) != magic.Length || !magic.AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path} is not a SuperCloud lab API server store (bad header); move it away to start empty");
        }

        var records = new List<LogRecord>();
        var valid = input.Position;
        var checkpointBytes = 0L;
        var header = new byte[FrameHeader];
        while (input.ReadAtLeast(header, FrameHeader, throwOnEndOfStream: false) == FrameHeader)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            if (length <= 0 || length > input.Length - input.Position)
            {
                break;
            }

            var payload = new byte[length];
            if (input.ReadAtLeast(payload, length, throwOnEndOfStream: false) != length || Crc32C.Compute(payload) != crc)
            {
                break;
            }

            LogRecord record;
            try
            {
                record = LogRecord.Decode(payload);
            }
            catch (InvalidDataException)
            {
                break;
            }

            if ((records.Count == 0) != (record.Kind == LogRecordKind.Checkpoint)
                || (checkpointBytes > 0 && record.Kind != LogRecordKind.Change))
            {
                throw new InvalidDataException($"{path} is damaged: a checkpoint record is out of place; move it away to start empty");
            }

            if (record.Kind is LogRecordKind.Change && checkpointBytes == 0)
            {
                checkpointBytes = valid;
            }

            records.Add(record);
            valid = input.Position;
        }

        if (records.Count == 0)
        {
            throw new InvalidDataException($"{path} has no readable checkpoint; move it away to start empty");
        }

        if (checkpointBytes == 0)
        {
            checkpointBytes = valid;
        }

        return (valid, checkpointBytes, records);
    }

    /// <summary>Writes what is still buffered and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        await FlushAsync(CancellationToken.None);
        _file.Dispose();
        _stop.Dispose();
        _signal.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store log {Path}: cut {Bytes} bytes of a torn tail at offset {Offset} (never acknowledged)")]
    private static partial void LogTornTail(ILogger logger, string path, long bytes, long offset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded store log {Path}: {Records} records, resourceVersion {ResourceVersion}")]
    private static partial void LogLoaded(ILogger logger, string path, int records, long resourceVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Migrating snapshot {Snapshot} ({Count} objects) to the store log {Path}")]
    private static partial void LogMigrating(ILogger logger, string snapshot, int count, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing the API server store log {Path} failed; retrying (writes wait)")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Store log {Path}: new checkpoint of {Bytes} bytes")]
    private static partial void LogCheckpoint(ILogger logger, string path, long bytes);
}
