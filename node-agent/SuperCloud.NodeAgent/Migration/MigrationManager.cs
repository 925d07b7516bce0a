using System.Collections.Concurrent;
using SuperCloud.Agent.V1;
using VmSpec = SuperCloud.NodeAgent.Hypervisor.VmSpec;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Ownership;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// This agent's live migrations, by migration id: it prepares incoming VMs, starts outgoing transfers, admits the peer
/// agent's migration connection, and answers for each migration — also after a restart, from the VM's ownership record
/// and the hypervisor's state. Every entry point is idempotent per migration id, because the operator repeats the step
/// it was in after a restart.
/// </summary>
public sealed class MigrationManager(
    IHypervisorDriver driver, VmOwnership ownership, MigrationTransport transport, MigrationOptions options, TimeProvider timeProvider,
    ILogger<MigrationManager> logger) : IAsyncDisposable
{
    /// <summary>The shortest token accepted: 128 bits.</summary>
    public const int MinTokenBytes = 16;

    private static readonly TimeSpan FinishedRetention = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, MigrationSession> _sessions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _startLock = new(1, 1);

    /// <summary>
    /// Prepares the target of a migration, its copy at <paramref name="epoch"/>; repeating it before the source connected
    /// replaces the token.
    /// </summary>
    public async Task<MigrationSnapshot> PrepareTargetAsync(
        string migrationId, VmSpec spec, string sourceNode, byte[] token, MigrationSettings settings, long epoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await _startLock.WaitAsync(cancellationToken);
        try
        {
            await PruneAsync(cancellationToken);
            if (_sessions.TryGetValue(migrationId, out var existing))
            {
                if (existing is not IncomingMigration incoming || existing.VmId != spec.Id || incoming.SourceNode != sourceNode || incoming.TargetEpoch != epoch)
                {
                    throw new MigrationConflictException($"migration {migrationId} already exists on this agent with another role, VM, source or epoch");
                }

                incoming.ReplaceToken(token);
                return await SnapshotAsync(existing, cancellationToken);
            }

            ThrowIfVmBusy(spec.Id);
            var session = new IncomingMigration(migrationId, spec.Id, sourceNode, epoch, settings, driver, ownership, options, timeProvider, logger);
            await ownership.ActAsync(
                spec.Id,
                (record, now) => OwnershipRules.PrepareIncoming(record, spec.Id, migrationId, epoch, now),
                async _ =>
                {
                    await session.PrepareAsync(spec, token, cancellationToken);
                    return true;
                },
                OwnershipWrite.BeforeActUndoneOnFailure,
                cancellationToken);
            _sessions[migrationId] = session;
            return await SnapshotAsync(session, cancellationToken);
        }
        finally
        {
            _startLock.Release();
        }
    }

    /// <summary>
    /// Starts the source of a migration: this host's copy at <paramref name="sourceEpoch"/> goes to a copy at
    /// <paramref name="targetEpoch"/>; repeating it returns the running migration.
    /// </summary>
    public async Task<MigrationSnapshot> StartSourceAsync(
        string migrationId, string vmId, string targetNode, string targetEndpoint, byte[] token, MigrationSettings settings,
        long sourceEpoch, long targetEpoch, CancellationToken cancellationToken)
    {
        OutgoingMigration session;
        await _startLock.WaitAsync(cancellationToken);
        try
        {
            await PruneAsync(cancellationToken);
            if (_sessions.TryGetValue(migrationId, out var existing))
            {
                return existing is OutgoingMigration && existing.VmId == vmId
                    ? await SnapshotAsync(existing, cancellationToken)
                    : throw new MigrationConflictException($"migration {migrationId} already exists on this agent with another role or VM");
            }

            ThrowIfVmBusy(vmId);
            await driver.GetAsync(vmId, cancellationToken);
            await ownership.RecordAsync(vmId, (record, now) => OwnershipRules.StartOutgoing(record, vmId, migrationId, sourceEpoch, targetEpoch, now), cancellationToken);
            session = new OutgoingMigration(migrationId, vmId, targetNode, targetEndpoint, sourceEpoch, targetEpoch, settings, driver, ownership, transport, options, timeProvider, logger);
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
        }

        return await SnapshotAsync(session, cancellationToken);
    }

    /// <summary>
    /// The migration as this agent sees it. Without a session (the agent restarted), from the VM's ownership record and
    /// the hypervisor's state; NotFound only when neither knows anything of it.
    /// </summary>
    public async Task<MigrationSnapshot> GetAsync(string migrationId, string vmId, CancellationToken cancellationToken)
    {
        if (_sessions.TryGetValue(migrationId, out var session))
        {
            return await SnapshotAsync(session, cancellationToken);
        }

        var record = string.IsNullOrEmpty(vmId) ? null : ownership.Get(vmId);
        if (record?.AbortOf(migrationId) is { } aborted)
        {
            return Aborted(migrationId, vmId, aborted.Epoch, record, await FindAsync(vmId, cancellationToken));
        }

        if (string.IsNullOrEmpty(vmId))
        {
            throw new MigrationNotFoundException($"no migration {migrationId} on this agent");
        }

        var vm = await driver.GetAsync(vmId, cancellationToken);
        var info = await driver.GetMigrationInfoAsync(vmId, cancellationToken);
        const string restarted = "this agent restarted since; ";
        if (record?.Outgoing is { } outgoing && outgoing.MigrationId == migrationId)
        {
            var handedOver = outgoing.HandedOver || vm.Migration is VmMigrationState.MigratedOut or VmMigrationState.PostCopyOut;
            var postCopy = outgoing.PostCopy || vm.Migration == VmMigrationState.PostCopyOut;
            var (phase, reason, message) = handedOver
                ? (info.IsPostCopy ? MigrationPhase.PostCopy : MigrationPhase.Completed, MigrationFailureReason.Unspecified,
                    restarted + "the VM's state was handed over to the target; this copy is paused for good")
                : vm.State == Hypervisor.VmState.Running && info.State is not (HypervisorMigrationState.Active or HypervisorMigrationState.Setup)
                    ? (MigrationPhase.Failed, MigrationFailureReason.AgentRestarted, restarted + $"the transfer ended with it ({info.State}) and the VM runs here")
                    : (MigrationPhase.Unknown, MigrationFailureReason.Unspecified, restarted + $"the hypervisor reports the migration {info.State}");
            return new MigrationSnapshot(migrationId, vmId, MigrationRole.Source, phase, info, RelayTotals.Zero, null, info.StoppedAt, null, info.ResumedAt,
                reason, message, vm)
            {
                SourceEpoch = record.HeldEpoch ?? 0, TargetEpoch = outgoing.TargetEpoch, HandedOver = handedOver, PostCopyStarted = postCopy, HeldEpoch = record.HeldEpoch,
            };
        }

        if (record?.IncomingMigration == migrationId)
        {
            var resumed = record.Resumed || (vm.State == Hypervisor.VmState.Running && vm.Migration == VmMigrationState.None);
            var phase = resumed ? MigrationPhase.Switched
                : info.State == HypervisorMigrationState.Completed ? MigrationPhase.Completed
                : info.State == HypervisorMigrationState.Failed || vm.State == Hypervisor.VmState.Crashed ? MigrationPhase.Failed
                : MigrationPhase.Unknown;
            return new MigrationSnapshot(migrationId, vmId, MigrationRole.Target, phase, info, RelayTotals.Zero, null, null, null, info.ResumedAt,
                phase == MigrationPhase.Failed ? MigrationFailureReason.AgentRestarted : MigrationFailureReason.Unspecified,
                restarted + $"the incoming copy is {vm.State} and the hypervisor reports the migration {info.State}", vm)
            {
                TargetEpoch = record.HeldEpoch ?? 0, HeldEpoch = record.HeldEpoch,
            };
        }

        return new MigrationSnapshot(migrationId, vmId, null, MigrationPhase.Unknown, info, RelayTotals.Zero, null, info.StoppedAt, null, info.ResumedAt,
            MigrationFailureReason.Unspecified, "this agent has no record of the migration; the VM's own state is reported", vm) { HeldEpoch = record?.HeldEpoch };
    }

    /// <summary>Source: switches to post-copy.</summary>
    public async Task<MigrationSnapshot> StartPostCopyAsync(string migrationId, CancellationToken cancellationToken)
    {
        var session = Find(migrationId) as OutgoingMigration ?? throw new MigrationConflictException($"migration {migrationId} is not an outgoing migration of this agent");
        await session.StartPostCopyAsync(cancellationToken);
        return await SnapshotAsync(session, cancellationToken);
    }

    /// <summary>Source: cancels the transfer (the VM keeps running here); on a target session it aborts.</summary>
    public async Task<MigrationSnapshot> CancelAsync(string migrationId, string vmId, CancellationToken cancellationToken)
    {
        switch (_sessions.GetValueOrDefault(migrationId))
        {
            case OutgoingMigration outgoing:
                await outgoing.CancelAsync(cancellationToken);
                return await SnapshotAsync(outgoing, cancellationToken);
            case IncomingMigration incoming:
                await incoming.AbortAsync(cancellationToken);
                return await SnapshotAsync(incoming, cancellationToken);
        }

        // After a restart the relay is gone already, and with it the transfer; a handed-over VM cannot be taken back.
        if (!string.IsNullOrEmpty(vmId) && ownership.Get(vmId)?.Outgoing is { MigrationId: var id, HandedOver: true } && id == migrationId)
        {
            throw new VmStateConflictException(vmId, "cancel migration", Hypervisor.VmState.Paused, $"migration {migrationId} handed the VM over to its target");
        }

        return await GetAsync(migrationId, vmId, cancellationToken);
    }

    /// <summary>
    /// Target: aborts <paramref name="migrationId"/> here for good (its copy at <paramref name="epoch"/>, 0 for whichever
    /// it prepared) — also when this agent never heard of it. Refused once its copy resumed here.
    /// </summary>
    public async Task<MigrationSnapshot> AbortTargetAsync(string migrationId, string vmId, long epoch, CancellationToken cancellationToken)
    {
        switch (_sessions.GetValueOrDefault(migrationId))
        {
            case IncomingMigration incoming:
                await incoming.AbortAsync(cancellationToken);
                return await SnapshotAsync(incoming, cancellationToken);
            case OutgoingMigration:
                throw new MigrationConflictException($"migration {migrationId} is an outgoing migration of this agent, not an incoming one");
        }

        // Only the copy this migration brought (the record names it before the abort) goes; no other copy is touched.
        var ours = false;
        var record = await ownership.ActAsync(
            vmId,
            async (current, now) =>
            {
                ours = current?.IncomingMigration == migrationId;
                return OwnershipRules.AbortIncoming(current, vmId, migrationId, epoch, ours && await ResumedHereAsync(vmId, cancellationToken), now);
            },
            async next =>
            {
                if (ours)
                {
                    await IncomingMigration.DeleteCopyAsync(driver, vmId);
                }

                return next;
            },
            OwnershipWrite.BeforeAct,
            cancellationToken);
        return Aborted(migrationId, vmId, record.AbortOf(migrationId)?.Epoch ?? epoch, record, await FindAsync(vmId, cancellationToken));
    }

    /// <summary>Target: resumes the loaded VM when the source's switch-over message was lost.</summary>
    public async Task<MigrationSnapshot> CompleteTargetAsync(string migrationId, string vmId, long epoch, CancellationToken cancellationToken)
    {
        if (_sessions.TryGetValue(migrationId, out var session) && session is IncomingMigration incoming)
        {
            if (epoch != 0 && epoch != incoming.TargetEpoch)
            {
                throw new OwnershipConflictException(vmId, "complete migration of", $"migration {migrationId}'s copy here has epoch {incoming.TargetEpoch}, not {epoch}");
            }

            await incoming.CompleteAsync(cancellationToken);
            return await SnapshotAsync(session, cancellationToken);
        }

        await ownership.ActAsync(
            vmId,
            (record, now) => OwnershipRules.ResumeIncoming(record, vmId, migrationId, epoch, now),
            _ => driver.ResumeMigratedInAsync(vmId, options.ResumeTimeout, cancellationToken),
            OwnershipWrite.AfterAct,
            cancellationToken);
        return await GetAsync(migrationId, vmId, cancellationToken);
    }

    /// <summary>
    /// Target: post-copy of <paramref name="migrationId"/> lost its stream; the hypervisor listens for the recovered one
    /// from <paramref name="sourceNode"/> presenting <paramref name="token"/>. Works from the ownership record when this
    /// agent restarted since.
    /// </summary>
    public async Task<MigrationSnapshot> RecoverTargetAsync(
        string migrationId, string vmId, string sourceNode, byte[] token, MigrationSettings settings, long epoch, CancellationToken cancellationToken)
    {
        await _startLock.WaitAsync(cancellationToken);
        try
        {
            var session = _sessions.GetValueOrDefault(migrationId) switch
            {
                IncomingMigration incoming when incoming.VmId == vmId && incoming.SourceNode == sourceNode && incoming.TargetEpoch == epoch => incoming,
                null when ownership.Get(vmId) is { IncomingMigration: var id, Resumed: true, HeldEpoch: var held } && id == migrationId && held == epoch =>
                    new IncomingMigration(migrationId, vmId, sourceNode, epoch, settings, driver, ownership, options, timeProvider, logger),
                _ => throw new MigrationConflictException($"this agent holds no resumed copy that migration {migrationId} brought from {sourceNode} at epoch {epoch}"),
            };
            await session.PrepareRecoveryAsync(token, cancellationToken);
            _sessions[migrationId] = session;
            return await SnapshotAsync(session, cancellationToken);
        }
        finally
        {
            _startLock.Release();
        }
    }

    /// <summary>
    /// Source: post-copy of <paramref name="migrationId"/> lost its stream; connects to the target agent again and resumes
    /// sending the remaining pages. Works from the ownership record when this agent restarted since.
    /// </summary>
    public async Task<MigrationSnapshot> RecoverSourceAsync(
        string migrationId, string vmId, string targetNode, string targetEndpoint, byte[] token, MigrationSettings settings, CancellationToken cancellationToken)
    {
        OutgoingMigration session;
        await _startLock.WaitAsync(cancellationToken);
        try
        {
            session = _sessions.GetValueOrDefault(migrationId) switch
            {
                OutgoingMigration outgoing when outgoing.VmId == vmId && outgoing.TargetNode == targetNode && !outgoing.IsActive => outgoing,
                OutgoingMigration => throw new MigrationConflictException($"migration {migrationId} still runs on this agent; there is nothing to recover"),
                // Post-copy was recorded before it was asked for; the hypervisor itself says whether it waits to be recovered.
                null when ownership.Get(vmId) is { Outgoing: { PostCopy: true } outgoing, HeldEpoch: { } held } && outgoing.MigrationId == migrationId =>
                    new OutgoingMigration(migrationId, vmId, targetNode, targetEndpoint, held, outgoing.TargetEpoch, settings, driver, ownership, transport, options, timeProvider, logger),
                _ => throw new MigrationConflictException($"this agent has no post-copy of migration {migrationId} to {targetNode} to recover"),
            };
            _sessions[migrationId] = session;
        }
        finally
        {
            _startLock.Release();
        }

        try
        {
            await session.RecoverAsync(token, targetEndpoint, cancellationToken);
        }
        catch (Exception ex) when (ex is MigrationConnectException or HypervisorException or IOException)
        {
            // The session keeps the failure so that GetMigration tells it; the caller gets it now too.
        }

        return await SnapshotAsync(session, cancellationToken);
    }

    /// <summary>
    /// Source: resumes the VM here after a completed migration whose target confirmed its copy gone, the copy at
    /// <paramref name="epoch"/> running on under <paramref name="newEpoch"/>.
    /// </summary>
    public async Task<MigrationSnapshot> RollBackSourceAsync(string migrationId, string vmId, long epoch, long newEpoch, CancellationToken cancellationToken)
    {
        await ownership.ActAsync(
            vmId,
            (record, now) => OwnershipRules.RollBack(record, vmId, migrationId, epoch, newEpoch, now),
            _ => driver.RollBackOutgoingAsync(vmId, cancellationToken),
            OwnershipWrite.AfterAct,
            cancellationToken);
        (Find(migrationId, required: false) as OutgoingMigration)?.RolledBack(newEpoch);
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
            await MigrationWire.WriteControlAsync(connection, new MigrationControl { Type = MigrationControl.Reject, Reason = MigrationFailureReason.TargetRejected, Message = refusal }, cancellationToken);
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

    private async Task<MigrationSnapshot> SnapshotAsync(MigrationSession session, CancellationToken cancellationToken) =>
        await session.SnapshotAsync(cancellationToken) with { HeldEpoch = ownership.Get(session.VmId)?.HeldEpoch };

    private static MigrationSnapshot Aborted(string migrationId, string vmId, long epoch, OwnershipRecord record, VmStatus? vm) =>
        new(migrationId, vmId, MigrationRole.Target, MigrationPhase.Aborted, null, RelayTotals.Zero, null, null, null, null,
            MigrationFailureReason.Aborted, $"migration {migrationId} was aborted on this host; its copy is gone and never resumes here", vm)
        {
            TargetEpoch = epoch, HeldEpoch = record.HeldEpoch,
        };

    private async Task<VmStatus?> FindAsync(string vmId, CancellationToken cancellationToken)
    {
        try
        {
            return string.IsNullOrEmpty(vmId) ? null : await driver.GetAsync(vmId, cancellationToken);
        }
        catch (VmNotFoundException)
        {
            return null;
        }
    }

    private async Task<bool> ResumedHereAsync(string vmId, CancellationToken cancellationToken) =>
        await FindAsync(vmId, cancellationToken) is { State: Hypervisor.VmState.Running, Migration: VmMigrationState.None };

    private MigrationSession? Find(string migrationId, bool required = true) =>
        _sessions.TryGetValue(migrationId, out var session) ? session
        : required ? throw new MigrationNotFoundException($"no migration {migrationId} on this agent") : null;

    private void ThrowIfVmBusy(string vmId)
    {
        if (_sessions.Values.FirstOrDefault(s => s.VmId == vmId && s.IsActive) is { } busy)
        {
            throw new MigrationConflictException($"VM {vmId} is already in migration {busy.MigrationId} ({busy.Role}, {busy.Phase})");
        }
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - FinishedRetention;
        foreach (var (id, session) in _sessions)
        {
            if (!session.IsActive && session.StartedAt < cutoff)
            {
                _sessions.TryRemove(id, out _);
            }
        }

        var present = (await driver.ListAsync(cancellationToken)).Select(vm => vm.Id).ToHashSet(StringComparer.Ordinal);
        ownership.Prune(present, options.OwnershipRetention);
    }
}
