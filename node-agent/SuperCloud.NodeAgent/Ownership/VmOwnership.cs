using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Ownership;

/// <summary>
/// This host's ownership records, one per VM id, each in a file beside the VM's directory in the hypervisor's state
/// directory (<c>ID.ownership.json</c>) that outlives the VM. Every change of a record goes through one VM's lock: the
/// rule (<see cref="OwnershipRules"/>) decides, the record is written, and the act it allows runs under the same lock,
/// before or after the write as the act requires — so an abort and a resume of one copy can never both happen.
/// </summary>
public sealed class VmOwnership
{
    /// <summary>The suffix of a record's file name after the VM id.</summary>
    public const string FileSuffix = ".ownership.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger<VmOwnership> _logger;
    private readonly ConcurrentDictionary<string, OwnershipRecord> _records = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    private VmOwnership(string directory, TimeProvider time, ILogger<VmOwnership> logger)
    {
        _directory = directory;
        _time = time;
        _logger = logger;
    }

    /// <summary>Reads every record in <paramref name="directory"/> (created when missing); an unreadable record is reported and skipped.</summary>
    public static VmOwnership Open(string directory, TimeProvider time, ILogger<VmOwnership> logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var ownership = new VmOwnership(directory, time, logger);
        foreach (var file in Directory.EnumerateFiles(directory, "*" + FileSuffix))
        {
            try
            {
                var record = JsonSerializer.Deserialize<OwnershipRecord>(File.ReadAllText(file), Json) ?? throw new JsonException("empty record");
                if (Path.GetFileName(file) != record.VmId + FileSuffix)
                {
                    throw new JsonException($"it names VM '{record.VmId}'");
                }

                ownership._records[record.VmId] = record;
            }
            catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
            {
                logger.UnreadableRecord(file, ex.Message);
            }
        }

        return ownership;
    }

    /// <summary>The record of <paramref name="vmId"/>, or null when this host has none.</summary>
    public OwnershipRecord? Get(string vmId) => _records.GetValueOrDefault(vmId);

    /// <summary>Applies <paramref name="rule"/> to the record of <paramref name="vmId"/> and writes the result.</summary>
    public Task<OwnershipRecord> RecordAsync(string vmId, Func<OwnershipRecord?, DateTimeOffset, OwnershipRecord> rule, CancellationToken cancellationToken) =>
        ActAsync(vmId, rule, next => Task.FromResult(next), OwnershipWrite.BeforeAct, cancellationToken);

    /// <summary>
    /// Under the VM's lock: applies <paramref name="rule"/> (which throws <see cref="OwnershipConflictException"/> to
    /// refuse), then runs <paramref name="act"/> and writes the new record in the order <paramref name="order"/> says.
    /// Nothing is written when the rule or an act that runs first throws.
    /// </summary>
    public Task<T> ActAsync<T>(
        string vmId, Func<OwnershipRecord?, DateTimeOffset, OwnershipRecord> rule, Func<OwnershipRecord, Task<T>> act, OwnershipWrite order,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return ActAsync(vmId, (record, now) => Task.FromResult(rule(record, now)), act, order, cancellationToken);
    }

    /// <summary>As the other overload, for a rule that must first ask something (the hypervisor's view of the copy) under the lock.</summary>
    public async Task<T> ActAsync<T>(
        string vmId, Func<OwnershipRecord?, DateTimeOffset, Task<OwnershipRecord>> rule, Func<OwnershipRecord, Task<T>> act, OwnershipWrite order,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(act);
        if (!VmSpec.IsValidId(vmId))
        {
            throw new OwnershipConflictException(vmId ?? "", "record ownership of", "a VM id must be a DNS label");
        }

        var gate = _locks.GetOrAdd(vmId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var current = Get(vmId);
            var next = await rule(current, _time.GetUtcNow());
            if (order == OwnershipWrite.BeforeAct)
            {
                await WriteAsync(current, next);
                return await act(next);
            }

            if (order == OwnershipWrite.BeforeActUndoneOnFailure)
            {
                await WriteAsync(current, next);
                try
                {
                    return await act(next);
                }
                catch
                {
                    await RestoreAsync(next, current);
                    throw;
                }
            }

            var result = await act(next);
            await WriteAsync(current, next);
            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Removes the records of VMs this host no longer holds (not in <paramref name="present"/>, no held copy) that did not
    /// change for <paramref name="retention"/>: by then no migration of theirs can still be pending.
    /// </summary>
    public int Prune(IReadOnlySet<string> present, TimeSpan retention)
    {
        ArgumentNullException.ThrowIfNull(present);
        var cutoff = _time.GetUtcNow() - retention;
        var removed = 0;
        foreach (var (vmId, record) in _records)
        {
            if (present.Contains(vmId) || record.HeldEpoch is not null || record.UpdatedAt >= cutoff)
            {
                continue;
            }

            try
            {
                File.Delete(PathOf(vmId));
                _records.TryRemove(new KeyValuePair<string, OwnershipRecord>(vmId, record));
                removed++;
            }
            catch (IOException ex)
            {
                _logger.UnreadableRecord(PathOf(vmId), ex.Message);
            }
        }

        return removed;
    }

    private async Task RestoreAsync(OwnershipRecord written, OwnershipRecord? previous)
    {
        if (previous is not null)
        {
            await WriteAsync(written, previous);
            return;
        }

        File.Delete(PathOf(written.VmId));
        _records.TryRemove(written.VmId, out _);
    }

    private async Task WriteAsync(OwnershipRecord? current, OwnershipRecord next)
    {
        if (ReferenceEquals(current, next))
        {
            return;
        }

        // Write-then-rename, flushed to the disk: the record is the host's promise, and it must hold across a crash.
        var path = PathOf(next.VmId);
        var temp = path + ".tmp";
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
        {
            await JsonSerializer.SerializeAsync(stream, next, Json, CancellationToken.None);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        _records[next.VmId] = next;
        _logger.RecordChanged(next.VmId, next.Epoch, next.HeldEpoch, next.IncomingMigration, next.Outgoing?.MigrationId);
    }

    private string PathOf(string vmId) => Path.Combine(_directory, vmId + FileSuffix);
}
