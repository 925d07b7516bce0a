using System.Collections.Concurrent;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// This agent's live migrations, by migration id: it prepares incoming VMs, starts outgoing transfers, admits the peer
/// agent's migration connection, and answers for each migration — also after a restart, from the hypervisor's state.
/// Every entry point is idempotent per migration id, because the operator repeats the step it was in after a restart.
/// </summary>
public sealed class MigrationManager(
    IHypervisorDriver driver, MigrationTransport transport, MigrationOptions options, TimeProvider timeProvider, ILogger<MigrationManager> logger)
    : IAsyncDisposable
{
    /// <summary>The shortest token accepted: 128 bits.</summary>
    public const int MinTokenBytes = 16;

    private static readonly TimeSpan FinishedRetention = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, MigrationSession> _sessions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _startLock = new(1, 1);

    /// <summary>Prepares the target of a migration; repeating it before the source connected replaces the token.</summary>
    public async Task<MigrationSnapshot> PrepareTargetAsync(
        string migrationId, VmSpec spec, string sourceNode, byte[] token, MigrationSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await _startLock.WaitAsync(cancellationToken);
        try
        {
            Prune();
            if (_sessions.TryGetValue(migrationId, out var existing))
            {
                if (existing is not IncomingMigration incoming || existing.VmId != spec.Id || incoming.SourceNode != sourceNode)
                {
                    throw new MigrationConflictException($"migration {migrationId} already exists on this agent with another role, VM or source");
                }

                incoming.ReplaceToken(token);
                return await existing.SnapshotAsync(cancellationToken);
            }

            ThrowIfVmBusy(spec.Id);
            var session = new IncomingMigration(migrationId, spec.Id, sourceNode, token, settings, driver, options, timeProvider, logger);
            await session.PrepareAsync(spec, cancellationToken);
            _sessions[migrationId] = session;
            return await session.SnapshotAsync(cancellationToken);
        }
        finally
        {
            _startLock.Release();
        }
    }

    /// <summary>Starts the source of a migration; repeating it returns the running migration.</summary>
    public async Task<MigrationSnapshot> StartSourceAsync(
        string migrationId, string vmId, string targetNode, string targetEndpoint, byte[] token, MigrationSettings settings, CancellationToken cancellationToken)
    {
        OutgoingMigration session;
        await _startLock.WaitAsync(cancellationToken);
        try
        {
            Prune();
            if (_sessions.TryGetValue(migrationId, out var existing))
            {
                return existing is OutgoingMigration && existing.VmId == vmId
                    ? await existing.SnapshotAsync(cancellationToken)
                    : throw new MigrationConflictException($"migration {migrationId} already exists on this agent with another role or VM");
            }

            ThrowIfVmBusy(vmId);
            await driver.GetAsync(vmId, cancellationToken);
            session = new OutgoingMigration(migrationId, vmId, targetNode, targetEndpoint, settings, driver, transport, options, timeProvider, logger);
            _sessions[migrationId] = session;
        }
        finally
        {
            _startLock.Release();
        }

        try
        {
            await session.StartAsync(token, cancellationToken);
        }
        catch (Exception ex) when (ex is MigrationConnectException or HypervisorException or IOException)
        {
            // The session keeps the failure so that GetMigration tells it; the caller gets it now too.
            return await session.SnapshotAsync(cancellationToken);
        }

        return await session.SnapshotAsync(cancellationToken);
    }

    /// <summary>The migration as this agent sees it; without a record, the VM's hypervisor state (phase Unknown).</summary>
    public async Task<MigrationSnapshot> GetAsync(string migrationId, string vmId, CancellationToken cancellationToken)
    {
        if (_sessions.TryGetValue(migrationId, out var session))
        {
            return await session.SnapshotAsync(cancellationToken);
        }

        if (string.IsNullOrEmpty(vmId))
        {
            throw new MigrationNotFoundException($"no migration {migrationId} on this agent");
        }

        var vm = await driver.GetAsync(vmId, cancellationToken);
        var info = await driver.GetMigrationInfoAsync(vmId, cancellationToken);
        return new MigrationSnapshot(migrationId, vmId, null, MigrationSessionPhase.Unknown, info, RelayTotals.Zero, null, info.StoppedAt,
            null, info.ResumedAt, null, "this agent has no record of the migration (it restarted); the hypervisor's state is reported", vm);
    }

    /// <summary>Source: switches to post-copy.</summary>
    public async Task<MigrationSnapshot> StartPostCopyAsync(string migrationId, CancellationToken cancellationToken)
    {
        var session = Find(migrationId) as OutgoingMigration ?? throw new MigrationConflictException($"migration {migrationId} is not an outgoing migration of this agent");
        await session.StartPostCopyAsync(cancellationToken);
        return await session.SnapshotAsync(cancellationToken);
    }

    /// <summary>Cancels this agent's part: the source keeps running its VM, the target drops its incoming VM.</summary>
    public async Task<MigrationSnapshot> CancelAsync(string migrationId, string vmId, CancellationToken cancellationToken)
    {
        if (!_sessions.TryGetValue(migrationId, out var session))
        {
            // After a restart the relay is gone already; a leftover incoming VM is removed by DeleteVm.
            return await GetAsync(migrationId, vmId, cancellationToken);
        }

        switch (session)
        {
            case OutgoingMigration outgoing:
                await outgoing.CancelAsync(cancellationToken);
                break;
            case IncomingMigration incoming:
                await incoming.CancelAsync(cancellationToken);
                break;
        }

        return await session.SnapshotAsync(cancellationToken);
    }

    /// <summary>Target: resumes the loaded VM when the source's switch-over message was lost.</summary>
    public async Task<MigrationSnapshot> CompleteTargetAsync(string migrationId, string vmId, CancellationToken cancellationToken)
    {
        if (_sessions.TryGetValue(migrationId, out var session) && session is IncomingMigration incoming)
        {
            await incoming.CompleteAsync(cancellationToken);
            return await session.SnapshotAsync(cancellationToken);
        }

        await driver.ResumeMigratedInAsync(vmId, options.ResumeTimeout, cancellationToken);
        return await GetAsync(migrationId, vmId, cancellationToken);
    }

    /// <summary>Source: resumes the VM here after a completed migration whose target does not run it.</summary>
    public async Task<MigrationSnapshot> RollBackSourceAsync(string migrationId, string vmId, CancellationToken cancellationToken)
    {
        await driver.RollBackOutgoingAsync(vmId, cancellationToken);
        return await GetAsync(migrationId, vmId, cancellationToken);
    }

    /// <summary>
    /// Serves one migration connection from the peer agent <paramref name="peer"/> (its verified certificate identity) that
    /// opened with <paramref name="hello"/>; returns when the migration's stream is over.
    /// </summary>
    internal async Task ServeConnectionAsync(Stream connection, Action abortConnection, string peer, MigrationControl hello, CancellationToken cancellationToken)
    {
        string? refusal;
        IncomingMigration? session = null;
        if (hello.Type != MigrationControl.Hello || string.IsNullOrEmpty(hello.MigrationId))
        {
            refusal = "the connection must open with a hello naming the migration";
        }
        else if (!_sessions.TryGetValue(hello.MigrationId, out var found) || found is not IncomingMigration incoming)
        {
            refusal = $"no incoming migration {hello.MigrationId} is prepared on this agent";
        }
        else
        {
            session = incoming;
            refusal = hello.Channel is null ? incoming.Admit(peer, hello)
                : hello.Channel.StartsWith(MigrationControl.DiskChannelPrefix, StringComparison.Ordinal) ? incoming.AdmitDisk(peer, hello)
                : $"unknown channel '{hello.Channel}'";
        }

        if (refusal is not null)
        {
            logger.ConnectionRefused(peer, hello.MigrationId, refusal);
            await MigrationWire.WriteControlAsync(connection, new MigrationControl { Type = MigrationControl.Reject, Reason = "Refused", Message = refusal }, cancellationToken);
            return;
        }

        logger.ConnectionAccepted(peer, hello.MigrationId, hello.VmId);
        if (hello.Channel is not null)
        {
            await session!.RunDiskAsync(connection, abortConnection, cancellationToken);
            return;
        }

        await session!.RunAsync(connection, abortConnection, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _startLock.Dispose();
        return ValueTask.CompletedTask;
    }

    private MigrationSession Find(string migrationId) =>
        _sessions.TryGetValue(migrationId, out var session) ? session : throw new MigrationNotFoundException($"no migration {migrationId} on this agent");

    private void ThrowIfVmBusy(string vmId)
    {
        if (_sessions.Values.FirstOrDefault(s => s.VmId == vmId && s.IsActive) is { } busy)
        {
            throw new MigrationConflictException($"VM {vmId} is already in migration {busy.MigrationId} ({busy.Role}, {busy.Phase})");
        }
    }

    private void Prune()
    {
        var cutoff = timeProvider.GetUtcNow() - FinishedRetention;
        foreach (var (id, session) in _sessions)
        {
            if (!session.IsActive && session.StartedAt < cutoff)
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }
}
