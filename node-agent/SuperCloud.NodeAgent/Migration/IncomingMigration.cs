using System.Net.Sockets;
using System.Security.Cryptography;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// The target end of a migration: the VM is defined and its hypervisor waits, paused, for the stream. Exactly one
/// connection is accepted — from the source node's certificate identity, presenting the one-time token — and relayed
/// into the hypervisor. The VM resumes only on the source's switch-over message (or the operator's explicit completion),
/// never because the stream ended.
/// </summary>
internal sealed class IncomingMigration(
    string migrationId, string vmId, string sourceNode, byte[] token, MigrationSettings settings,
    IHypervisorDriver driver, MigrationOptions options, TimeProvider timeProvider, ILogger logger)
    : MigrationSession(migrationId, vmId, MigrationRole.Target, settings, driver, options, timeProvider, logger)
{
    private readonly Lock _tokenLock = new();
    private byte[]? _token = token;
    private IncomingDisks? _disks;

    public string SourceNode { get; } = sourceNode;

    public async Task PrepareAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Options.SocketDirectory);
        await Driver.PrepareIncomingAsync(spec, Settings, SocketPath, cancellationToken);
        _disks = new IncomingDisks(VmId, Driver, Path.ChangeExtension(SocketPath, null) + "-nbd.sock", Options, Logger);
        await _disks.ExportAsync(cancellationToken);
        SetPhase(MigrationSessionPhase.Prepared, $"waiting for {SourceNode}'s connection");
    }

    /// <summary>A repeated preparation before the source connected: the newest token is the valid one.</summary>
    public void ReplaceToken(byte[] token)
    {
        lock (_tokenLock)
        {
            if (_token is not null)
            {
                _token = token;
            }
        }
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

        lock (_tokenLock)
        {
            if (_token is null || Phase != MigrationSessionPhase.Prepared)
            {
                return $"migration {MigrationId} is {Phase} and accepts no new connection";
            }

            if (hello.Token is null || !CryptographicOperations.FixedTimeEquals(hello.Token, _token))
            {
                return "the migration token does not match";
            }

            if (useUpToken)
            {
                _token = null;
            }

            return null;
        }
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
            Finish(MigrationSessionPhase.Failed, "TargetNotReady", $"the hypervisor is not listening for the stream: {ex.Message}");
            return;
        }

        Relay = new MigrationRelay(connection, abortConnection, hypervisor, RelaySettings(0), Logger);
        await MigrationWire.WriteControlAsync(connection, new MigrationControl { Type = MigrationControl.Accept, MigrationId = MigrationId }, token);
        Relay.Start();
        SetPhase(MigrationSessionPhase.Transferring, $"receiving from {SourceNode}");
        try
        {
            // Followed until the relay ends (its control channel completes on teardown), not until the connection's own
            // token fires: a closed connection is an outcome to judge, not a reason to stop judging.
            await FollowAsync(Relay, Lifetime.Token);
        }
        catch (OperationCanceledException) when (Lifetime.IsCancellationRequested)
        {
            // Cancelled by the operator: CancelAsync recorded the outcome.
        }
        finally
        {
            await CloseRelayAsync();
        }
    }

    /// <summary>Drops the incoming VM; refused after the switch-over (the VM runs here).</summary>
    public async Task CancelAsync(CancellationToken cancellationToken)
    {
        if (Phase == MigrationSessionPhase.Switched)
        {
            throw new VmStateConflictException(VmId, "cancel migration", VmState.Running, $"migration {MigrationId} switched over: the VM runs here");
        }

        Finish(MigrationSessionPhase.Cancelled, "Cancelled", "cancelled; the incoming VM was deleted");
        await Lifetime.CancelAsync();
        await CloseRelayAsync();
        if (_disks is not null)
        {
            await _disks.CloseAsync();
        }

        try
        {
            await Driver.DeleteAsync(VmId, cancellationToken);
        }
        catch (VmNotFoundException)
        {
            // Already gone.
        }
    }

    /// <summary>The operator's switch-over when the source's message was lost: resume the loaded VM.</summary>
    public async Task<VmStatus> CompleteAsync(CancellationToken cancellationToken)
    {
        var vm = await Driver.ResumeMigratedInAsync(VmId, Options.ResumeTimeout, cancellationToken);
        TargetResumedAt ??= (await Driver.GetMigrationInfoAsync(VmId, cancellationToken)).ResumedAt ?? Time.GetUtcNow();
        SetPhase(MigrationSessionPhase.Switched, "resumed by the operator's switch-over");
        return vm;
    }

    private async Task FollowAsync(MigrationRelay relay, CancellationToken cancellationToken)
    {
        var switched = false;
        await foreach (var message in relay.Controls.ReadAllAsync(cancellationToken))
        {
            switch (message.Type)
            {
                case MigrationControl.Switch when !switched:
                    switched = true;
                    await SwitchAsync(relay, message, cancellationToken);
                    break;
                case MigrationControl.Abort:
                    Finish(MigrationSessionPhase.Failed, message.Reason ?? "SourceAborted", $"the source aborted the migration: {message.Message}");
                    return;
            }
        }

        // The connection is over.
        if (relay.Failure.IsCompletedSuccessfully)
        {
            var failure = relay.Failure.Result;
            if (!switched)
            {
                Finish(MigrationSessionPhase.Failed, failure.Reason, failure.Message);
                return;
            }

            // After the switch only post-copy still needs the stream; its loss leaves the VM without pages it never got.
            var info = await Driver.GetMigrationInfoAsync(VmId, CancellationToken.None);
            if (info.Status != "completed")
            {
                Finish(MigrationSessionPhase.Failed, failure.Reason, $"the stream broke during post-copy: {failure.Message}");
            }

            return;
        }

        if (!switched)
        {
            Finish(MigrationSessionPhase.Failed, "SourceClosed", $"{SourceNode} closed the connection before the switch-over");
        }
    }

    private async Task SwitchAsync(MigrationRelay relay, MigrationControl message, CancellationToken cancellationToken)
    {
        SourceStoppedAt = message.At;
        try
        {
            await Driver.ResumeMigratedInAsync(VmId, Options.ResumeTimeout, cancellationToken);
            TargetResumedAt = (await Driver.GetMigrationInfoAsync(VmId, cancellationToken)).ResumedAt ?? Time.GetUtcNow();
            SetPhase(MigrationSessionPhase.Switched, $"the VM runs here, migrated from {SourceNode}");
            await relay.SendControlAsync(new MigrationControl { Type = MigrationControl.Resumed, MigrationId = MigrationId, At = TargetResumedAt }, cancellationToken);
        }
        catch (HypervisorException ex)
        {
            Finish(MigrationSessionPhase.Failed, "TargetResumeFailed", ex.Message);
            await relay.SendControlAsync(new MigrationControl { Type = MigrationControl.Failed, MigrationId = MigrationId, Reason = "TargetResumeFailed", Message = ex.Message }, cancellationToken);
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
            await MigrationWire.WriteControlAsync(connection, new MigrationControl { Type = MigrationControl.Reject, Reason = "TargetNotReady", Message = message }, CancellationToken.None);
        }
        catch (IOException)
        {
            // The source learns from the closed connection instead.
        }
    }
}
