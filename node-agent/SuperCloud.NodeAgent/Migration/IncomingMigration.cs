using System.Net.Sockets;
using System.Security.Cryptography;
using SuperCloud.Agent.V1;
using VmSpec = SuperCloud.NodeAgent.Hypervisor.VmSpec;
using VmState = SuperCloud.NodeAgent.Hypervisor.VmState;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Ownership;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// The target end of a migration: the VM is defined at the migration's target epoch and its hypervisor waits, paused,
/// for the stream. Exactly one connection is accepted — from the source node's certificate identity, presenting the
/// one-time token before it expires — and relayed into the hypervisor. The VM resumes only on the source's switch-over
/// message (or the operator's explicit completion), never because the stream ended, and never once the migration was
/// aborted here: resuming (<see cref="ResumeAsync"/>) and aborting (<see cref="AbortAsync"/>) go through the VM's
/// ownership record, one at a time.
/// </summary>
internal sealed class IncomingMigration(
    string migrationId, string vmId, string sourceNode, long targetEpoch, MigrationSettings settings,
    IHypervisorDriver driver, VmOwnership ownership, MigrationOptions options, TimeProvider timeProvider, ILogger logger)
    : MigrationSession(migrationId, vmId, MigrationRole.Target, 0, targetEpoch, settings, driver, ownership, options, timeProvider, logger)
{
    private IncomingDisks? _disks;

    public string SourceNode { get; } = sourceNode;

    /// <summary>How long a token is accepted: the migration's completion timeout, within the agent's limit.</summary>
    private TimeSpan TokenLifetime =>
        Settings.CompletionTimeout is { } timeout && timeout < Options.MaxTokenLifetime ? timeout : Options.MaxTokenLifetime;

    public async Task PrepareAsync(VmSpec spec, byte[] token, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Options.SocketDirectory);
        await Driver.PrepareIncomingAsync(spec, Settings, SocketPath, cancellationToken);
        _disks = new IncomingDisks(VmId, Driver, Path.ChangeExtension(SocketPath, null) + "-nbd.sock", Options, Logger);
        await _disks.ExportAsync(cancellationToken);
        var now = Time.GetUtcNow();
        Update(s => s with { Token = token, TokenExpiresAt = now + TokenLifetime });
        Advance(MigrationPhase.Prepared, $"waiting for {SourceNode}'s connection");
    }

    /// <summary>
    /// Post-copy lost its stream: the hypervisor listens for the recovered one, which the source presenting
    /// <paramref name="token"/> may bring. The VM runs here all along; only its missing pages wait.
    /// </summary>
    public async Task PrepareRecoveryAsync(byte[] token, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Options.SocketDirectory);
        await Driver.RecoverIncomingAsync(VmId, SocketPath, cancellationToken);
        var now = Time.GetUtcNow();
        Update(s => s with
        {
            Phase = MigrationPhase.Switched, Recovering = true, Token = token, TokenExpiresAt = now + TokenLifetime,
            Message = $"post-copy lost its stream; waiting for {SourceNode} to bring it back",
        });
    }

    /// <summary>A repeated preparation before the source connected: the newest token is the valid one, for a fresh lifetime.</summary>
    public void ReplaceToken(byte[] token)
    {
        var now = Time.GetUtcNow();
        Update(s => s.Token is null ? s : s with { Token = token, TokenExpiresAt = now + TokenLifetime });
    }

    /// <summary>Why <paramref name="peer"/> presenting <paramref name="hello"/> may not connect, or null (and the token is used up).</summary>
    public string? Admit(string peer, MigrationControl hello) => Refuse(peer, hello, useUpToken: true);

    /// <summary>
    /// Why <paramref name="peer"/> may not connect the disk channel of <paramref name="hello"/>, or null. Disk channels come
    /// before the memory stream, with the same token, each once; the memory stream's admission ends them.
    /// </summary>
    public string? AdmitDisk(string peer, MigrationControl hello) =>
        Refuse(peer, hello, useUpToken: false)
        ?? (_disks is null ? $"VM {VmId} has no disks to receive" : _disks.Admit(hello.Channel!));

    private string? Refuse(string peer, MigrationControl hello, bool useUpToken)
    {
        if (peer != SourceNode)
        {
            return $"this migration's source is {SourceNode}, not {peer}";
        }

        if (hello.VmId != VmId)
        {
            return $"migration {MigrationId} moves VM {VmId}, not {hello.VmId}";
        }

        string? refusal = null;
        var now = Time.GetUtcNow();
        Update(s =>
        {
            if (s.Token is null || !(s.Phase == MigrationPhase.Prepared || (s.Recovering && useUpToken)))
            {
                refusal = $"migration {MigrationId} is {s.Phase} and accepts no new connection";
                return s;
            }

            if (s.TokenExpiresAt is { } expires && now >= expires)
            {
                refusal = $"the migration token expired at {expires:O} (it lives as long as the migration's completion timeout, {TokenLifetime.TotalSeconds:0} s)";
                return s;
            }

            if (hello.Token is null || !CryptographicOperations.FixedTimeEquals(hello.Token, s.Token))
            {
                refusal = "the migration token does not match";
                return s;
            }

            return useUpToken ? s with { Token = null, TokenExpiresAt = null } : s;
        });
        return refusal;
    }

    /// <summary>Relays an admitted disk connection into the hypervisor's export; returns when the connection ends.</summary>
    public Task RunDiskAsync(Stream connection, Action abortConnection, CancellationToken cancellationToken) =>
        _disks!.RunAsync(MigrationId, connection, abortConnection, cancellationToken);

    /// <summary>Relays the admitted connection into the hypervisor and performs the target's part; returns when it is over.</summary>
    public async Task RunAsync(Stream connection, Action abortConnection, CancellationToken cancellationToken)
    {
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Lifetime.Token);
        var token = lifetime.Token;
        Socket hypervisor;
        try
        {
            hypervisor = await ConnectHypervisorAsync(token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await RejectQuietlyAsync(connection, $"the target hypervisor does not accept the stream: {ex.Message}");
            Finish(MigrationPhase.Failed, MigrationFailureReason.TargetNotReady, $"the hypervisor is not listening for the stream: {ex.Message}");
            return;
        }

        Relay = new MigrationRelay(connection, abortConnection, hypervisor, RelaySettings(0), Logger);
        await MigrationWire.WriteControlAsync(connection, new MigrationControl { Type = MigrationControl.Accept, MigrationId = MigrationId }, token);
        Relay.Start();
        var recovering = State.Recovering;
        if (recovering)
        {
            Update(s => s with { Reason = MigrationFailureReason.Unspecified, Message = $"post-copy resumed: receiving the remaining pages from {SourceNode}" });
        }
        else
        {
            Advance(MigrationPhase.Transferring, $"receiving from {SourceNode}");
        }

        try
        {
            // Followed until the relay ends (its control channel completes on teardown), not until the connection's own
            // token fires: a closed connection is an outcome to judge, not a reason to stop judging.
            await FollowAsync(Relay, switched: recovering, Lifetime.Token);
        }
        catch (OperationCanceledException) when (Lifetime.IsCancellationRequested)
        {
            // Aborted by the operator: AbortAsync recorded the outcome.
        }
        finally
        {
            Update(s => s with { Recovering = false });
            await CloseRelayAsync();
        }
    }

    /// <summary>
    /// Aborts the migration here for good: the record that it never resumes here is written first, then the incoming
    /// copy goes. Refused once the VM resumed here.
    /// </summary>
    public async Task AbortAsync(CancellationToken cancellationToken)
    {
        await Ownership.ActAsync(
            VmId,
            async (record, now) => OwnershipRules.AbortIncoming(record, VmId, MigrationId, TargetEpoch, await ResumedHereAsync(cancellationToken), now),
            async _ =>
            {
                Finish(MigrationPhase.Aborted, MigrationFailureReason.Aborted, "aborted: the incoming copy was deleted and never resumes here");
                try
                {
                    await Lifetime.CancelAsync();
                    await CloseRelayAsync();
                    if (_disks is not null)
                    {
                        await _disks.CloseAsync();
                    }
                }
                finally
                {
                    // The record says the copy never resumes here: it goes, whatever the stream's teardown ran into.
                    await DeleteCopyAsync(Driver, VmId);
                }

                return true;
            },
            OwnershipWrite.BeforeAct,
            cancellationToken);
    }

    /// <summary>The operator's switch-over when the source's message was lost: resume the loaded VM.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await ResumeAsync(cancellationToken);
        Advance(MigrationPhase.Switched, "resumed by the operator's switch-over");
    }

    /// <summary>Deletes <paramref name="vmId"/>'s copy; one already gone is fine.</summary>
    public static async Task DeleteCopyAsync(IHypervisorDriver driver, string vmId)
    {
        try
        {
            // A delete, once begun, runs to its end whoever asked and whenever they stop waiting.
            await driver.DeleteAsync(vmId, CancellationToken.None);
        }
        catch (VmNotFoundException)
        {
            // Already gone.
        }
    }

    // The copy resumed, unless its ownership record says this migration was aborted here (checked under the same lock
    // an abort takes, so the two never both happen).
    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        await Ownership.ActAsync(
            VmId,
            (record, now) => OwnershipRules.ResumeIncoming(record, VmId, MigrationId, TargetEpoch, now),
            _ => Driver.ResumeMigratedInAsync(VmId, Options.ResumeTimeout, cancellationToken),
            OwnershipWrite.AfterAct,
            cancellationToken);
        var resumedAt = (await Driver.GetMigrationInfoAsync(VmId, cancellationToken)).ResumedAt ?? Time.GetUtcNow();
        Update(s => s with { TargetResumedAt = s.TargetResumedAt ?? resumedAt });
    }

    private async Task<bool> ResumedHereAsync(CancellationToken cancellationToken)
    {
        try
        {
            var copy = await Driver.GetAsync(VmId, cancellationToken);
            return copy.State == VmState.Running && copy.Migration == VmMigrationState.None;
        }
        catch (VmNotFoundException)
        {
            return false;
        }
    }

    private async Task FollowAsync(MigrationRelay relay, bool switched, CancellationToken cancellationToken)
    {
        await foreach (var message in relay.Controls.ReadAllAsync(cancellationToken))
        {
            switch (message.Type)
            {
                case MigrationControl.Switch when !switched:
                    switched = true;
                    await SwitchAsync(relay, message, cancellationToken);
                    break;
                case MigrationControl.Abort:
                    Finish(MigrationPhase.Failed, message.Reason == MigrationFailureReason.Unspecified ? MigrationFailureReason.SourceAborted : message.Reason,
                        $"the source aborted the migration: {message.Message}");
                    return;
            }
        }

        // The connection is over.
        if (relay.Failure.IsCompletedSuccessfully)
        {
            var failure = relay.Failure.Result;
            if (!switched)
            {
                Finish(MigrationPhase.Failed, failure.Reason, failure.Message);
                return;
            }

            // After the switch only post-copy still needs the stream; its loss leaves the VM without pages it never got.
            // The VM resumed here all the same: the phase stays, the reason says what is missing.
            var info = await Driver.GetMigrationInfoAsync(VmId, CancellationToken.None);
            if (info.State != HypervisorMigrationState.Completed)
            {
                Update(s => s with
                {
                    Reason = MigrationFailureReason.PostCopyFailed,
                    Message = $"the stream broke during post-copy ({failure.Message}): the VM runs here but waits for pages still on {SourceNode}",
                });
            }

            return;
        }

        if (!switched)
        {
            Finish(MigrationPhase.Failed, MigrationFailureReason.SourceClosed, $"{SourceNode} closed the connection before the switch-over");
        }
    }

    private async Task SwitchAsync(MigrationRelay relay, MigrationControl message, CancellationToken cancellationToken)
    {
        Update(s => s with { SourceStoppedAt = message.At });
        try
        {
            await ResumeAsync(cancellationToken);
            Advance(MigrationPhase.Switched, $"the VM runs here, migrated from {SourceNode}");
            await relay.SendControlAsync(new MigrationControl { Type = MigrationControl.Resumed, MigrationId = MigrationId, At = State.TargetResumedAt }, cancellationToken);
        }
        catch (Exception ex) when (ex is HypervisorException or OwnershipConflictException)
        {
            var reason = ex is OwnershipConflictException ? MigrationFailureReason.Aborted : MigrationFailureReason.TargetResumeFailed;
            Finish(MigrationPhase.Failed, reason, ex.Message);
            await relay.SendControlAsync(new MigrationControl { Type = MigrationControl.Failed, MigrationId = MigrationId, Reason = reason, Message = ex.Message }, cancellationToken);
        }
    }

    private async Task<Socket> ConnectHypervisorAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connect.CancelAfter(Options.HypervisorConnectTimeout);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), connect.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task RejectQuietlyAsync(Stream connection, string message)
    {
        try
        {
            await MigrationWire.WriteControlAsync(connection, new MigrationControl { Type = MigrationControl.Reject, Reason = MigrationFailureReason.TargetNotReady, Message = message }, CancellationToken.None);
        }
        catch (IOException)
        {
            // The source learns from the closed connection instead.
        }
    }
}
