using System.Net.Sockets;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// The source end of a migration: connects to the target agent, has the hypervisor send the VM's state into a local
/// socket, relays it, follows the hypervisor until the transfer ends, and performs the switch-over: only once the
/// hypervisor reports the transfer completed (the VM here is paused for good and, with the return path, the target has
/// loaded the state) — or post-copy started with the VM stopped — does it tell the target to resume.
/// </summary>
internal sealed class OutgoingMigration(
    string migrationId, string vmId, string targetNode, string targetEndpoint, MigrationSettings settings,
    IHypervisorDriver driver, MigrationTransport transport, MigrationOptions options, TimeProvider timeProvider, ILogger logger)
    : MigrationSession(migrationId, vmId, MigrationRole.Source, settings, driver, options, timeProvider, logger)
{
    private readonly TaskCompletionSource<MigrationControl?> _targetAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _switchSent;
    private volatile bool _cancelRequested;
    private DiskMirror? _disks;
    private DiskMirrorException? _diskFailure;
    private bool _disksSwitched;

    public string TargetNode { get; } = targetNode;

    /// <summary>
    /// Connects, starts the hypervisor's transfer and the relay; returns once bytes flow (or throws). A VM with disks has
    /// them mirrored first (libvirt's order): memory is copied once every disk is in sync, in the background.
    /// </summary>
    public async Task StartAsync(byte[] token, CancellationToken cancellationToken)
    {
        SetPhase(MigrationSessionPhase.Transferring, $"connecting to the target agent {TargetNode} at {targetEndpoint}");
        _disks = new DiskMirror(MigrationId, VmId, TargetNode, targetEndpoint, Driver, transport, Options,
            RelaySettings(Settings.BandwidthBytesPerSecond), Path.ChangeExtension(SocketPath, null), Time, Logger);
        bool mirroring;
        try
        {
            Directory.CreateDirectory(Options.SocketDirectory);
            mirroring = await _disks.StartAsync(token, cancellationToken);
        }
        catch (Exception ex) when (ex is MigrationConnectException or HypervisorException or IOException)
        {
            Finish(MigrationSessionPhase.Failed, ex is MigrationConnectException connect ? connect.Reason : "SourceStartFailed", ex.Message);
            throw;
        }

        if (mirroring)
        {
            SetPhase(MigrationSessionPhase.Transferring, $"mirroring {_disks.Disks.Count} disks to {TargetNode} before the memory");
            _ = Task.Run(() => MirrorThenMigrateAsync(token, Lifetime.Token), CancellationToken.None);
            return;
        }

        await StartMemoryAsync(token, cancellationToken);
    }

    // Once the disks are in sync, the memory migration starts; it pauses before its switch-over for the mirror to complete.
    private async Task MirrorThenMigrateAsync(byte[] token, CancellationToken cancellationToken)
    {
        try
        {
            await _disks!.WaitReadyAsync(Observe, cancellationToken);
            if (!_cancelRequested)
            {
                await StartMemoryAsync(token, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = ex switch { DiskMirrorException d => d.Reason, MigrationConnectException c => c.Reason, _ => "SourceStartFailed" };
            Finish(MigrationSessionPhase.Failed, reason, $"{ex.Message}; the VM keeps running on the source");
            await _disks!.CancelAsync();
        }
    }

    private void Observe(DiskMirrorInfo disks) =>
        Observe(MigrationInfo.None with { DiskTransferredBytes = disks.TransferredBytes, DiskRemainingBytes = disks.RemainingBytes });

    private async Task StartMemoryAsync(byte[] token, CancellationToken cancellationToken)
    {
        Socket? listener = null;
        Stream? connection = null;
        try
        {
            var hello = new MigrationControl { Type = MigrationControl.Hello, MigrationId = MigrationId, VmId = VmId, Token = token };
            connection = await transport.ConnectAsync(targetEndpoint, TargetNode, hello, cancellationToken);

            Directory.CreateDirectory(Options.SocketDirectory);
            File.Delete(SocketPath);
            listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            listener.Listen(1);
            await Driver.StartOutgoingAsync(VmId, Settings, SocketPath, cancellationToken);

            Socket hypervisor;
            using (var accept = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                accept.CancelAfter(Options.HypervisorConnectTimeout);
                try
                {
                    hypervisor = await listener.AcceptAsync(accept.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await CancelHypervisorQuietlyAsync();
                    throw new HypervisorException(VmId, "start outgoing migration",
                        $"the hypervisor did not connect to the stream socket within {Options.HypervisorConnectTimeout.TotalSeconds:0.#} s");
                }
            }

            Relay = new MigrationRelay(connection, null, hypervisor, RelaySettings(Settings.BandwidthBytesPerSecond), Logger);
            connection = null;
            Relay.Start();
            SetPhase(MigrationSessionPhase.Transferring, $"sending to {TargetNode}");
            _ = Task.Run(() => RunAsync(Lifetime.Token), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var reason = ex is MigrationConnectException connect ? connect.Reason : "SourceStartFailed";
            Finish(MigrationSessionPhase.Failed, reason, ex.Message);
            throw;
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            listener?.Dispose();
            File.Delete(SocketPath);
        }
    }

    /// <summary>Switches to post-copy; refused unless the transfer runs and post-copy was allowed at the start.</summary>
    public async Task StartPostCopyAsync(CancellationToken cancellationToken)
    {
        if (!Settings.AllowPostCopy)
        {
            throw new VmStateConflictException(VmId, "start post-copy", VmState.Running, $"migration {MigrationId} was started without post-copy allowed");
        }

        if (Phase != MigrationSessionPhase.Transferring)
        {
            throw new VmStateConflictException(VmId, "start post-copy", VmState.Running, $"migration {MigrationId} is {Phase}, not Transferring");
        }

        await Driver.StartPostCopyAsync(VmId, cancellationToken);
        SetPhase(MigrationSessionPhase.PostCopy, "post-copy: the VM resumes on the target, which pulls the remaining pages");
    }

    /// <summary>Cancels the transfer; the hypervisor keeps the VM running here. Refused after the transfer completed.</summary>
    public async Task CancelAsync(CancellationToken cancellationToken)
    {
        if (Phase is MigrationSessionPhase.Completed or MigrationSessionPhase.Switched or MigrationSessionPhase.PostCopy)
        {
            throw new VmStateConflictException(VmId, "cancel migration", VmState.Paused,
                $"migration {MigrationId} is {Phase}: the VM's state already belongs to the target");
        }

        if (!IsActive)
        {
            return;
        }

        _cancelRequested = true;
        await CancelHypervisorQuietlyAsync();

        // The relay closes too, so the target learns at once and its hypervisor drops the half-received state.
        await CloseRelayAsync();
        if (_disks is not null)
        {
            await _disks.CancelAsync();
            if (Relay is null)
            {
                // Still mirroring the disks: no hypervisor migration will report the outcome.
                Finish(MigrationSessionPhase.Cancelled, "Cancelled", "cancelled while the disks were mirrored; the VM keeps running on the source");
            }
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var relay = Relay!;
        var controls = Task.Run(() => ReadControlsAsync(relay, cancellationToken), CancellationToken.None);
        try
        {
            var completed = false;
            await foreach (var info in Driver.WatchMigrationAsync(VmId, Options.ProgressInterval, cancellationToken))
            {
                Observe(info);
                if (info.Status == "postcopy-active" && info.StoppedAt is not null)
                {
                    SetPhase(MigrationSessionPhase.PostCopy, "post-copy: the VM resumes on the target, which pulls the remaining pages");
                    await SwitchAsync(relay, info, cancellationToken);
                }
                else if (info.Status == "pre-switchover" && !_disksSwitched)
                {
                    // Once only: the hypervisor leaves pre-switchover a moment after migrate-continue, so the next poll
                    // may still report it, and a second migrate-continue would fail the migration.
                    _disksSwitched = true;
                    // The VM is paused before its last state goes: complete the disks now, so the target gets them whole.
                    await SwitchDisksAsync(cancellationToken);
                }
                else if (info.Status == "completed")
                {
                    completed = true;
                    SetPhase(MigrationSessionPhase.Completed, "the transfer completed; the VM is paused here for good");
                    await SwitchAsync(relay, info, cancellationToken);
                }
                else if (info.Status is "failed" or "cancelled")
                {
                    var failure = relay.Failure.IsCompletedSuccessfully ? relay.Failure.Result : null;
                    var (phase, reason) = _diskFailure is { } disks ? (MigrationSessionPhase.Failed, disks.Reason)
                        : _cancelRequested || info.Status == "cancelled" && failure is null
                        ? (MigrationSessionPhase.Cancelled, "Cancelled")
                        : (MigrationSessionPhase.Failed, failure?.Reason ?? "HypervisorFailed");
                    var message = _diskFailure is { } diskFailure ? $"{diskFailure.Message}; the VM keeps running on the source"
                        : failure?.Message ?? (_cancelRequested ? "cancelled; the VM keeps running on the source"
                        : $"the hypervisor reported the migration {info.Status}: {info.Error ?? "no detail"}; the VM keeps running on the source");
                    Finish(phase, reason, message);
                    return;
                }
            }

            if (!completed)
            {
                return;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(Options.SwitchAcknowledgeTimeout);
            var answer = await _targetAnswer.Task.WaitAsync(wait.Token).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
            if (answer?.Type == MigrationControl.Resumed)
            {
                ResumeAcknowledgedAt ??= Time.GetUtcNow();
                TargetResumedAt = answer.At;
                SetPhase(MigrationSessionPhase.Switched, $"the VM runs on {TargetNode}");
            }
            else
            {
                SetMessage(answer is null
                    ? $"the transfer completed but {TargetNode} did not confirm that the VM resumed within {Options.SwitchAcknowledgeTimeout.TotalSeconds:0} s"
                    : $"the transfer completed but {TargetNode} could not resume the VM: {answer.Message}");
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever happened to the agent's view, the hypervisor's own status decides what the VM does next.
            Logger.StepFailed(MigrationId, "following the source hypervisor", ex.Message);
            Finish(MigrationSessionPhase.Failed, "SourceAgentError", ex.Message);
        }
        finally
        {
            await CloseRelayAsync();
            await controls;
            if (_disks is not null)
            {
                // Completed: nothing is left to end; otherwise the mirror is abandoned and the VM keeps its disks here.
                await _disks.CancelAsync();
            }
        }
    }

    private async Task SwitchDisksAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _disks!.CompleteAsync(cancellationToken);
            await Driver.ContinueOutgoingAsync(VmId, cancellationToken);
        }
        catch (Exception ex) when (ex is DiskMirrorException or HypervisorException)
        {
            // Never switch over with a disk behind: cancelling resumes the VM here, on its own disks.
            _diskFailure = ex as DiskMirrorException ?? new DiskMirrorException(DiskMirrorException.Failed, ex.Message);
            Logger.StepFailed(MigrationId, "completing the disk mirror", ex.Message);
            await CancelHypervisorQuietlyAsync();
        }
    }

    private async Task SwitchAsync(MigrationRelay relay, MigrationInfo info, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _switchSent, 1) != 0)
        {
            return;
        }

        SourceStoppedAt = info.StoppedAt ?? Time.GetUtcNow();
        try
        {
            await relay.SendControlAsync(new MigrationControl { Type = MigrationControl.Switch, MigrationId = MigrationId, At = SourceStoppedAt }, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The target holds the state but did not hear it may resume: the operator completes the switch-over.
            SetMessage($"the transfer completed but the switch-over message could not reach {TargetNode}: {ex.Message}");
        }
    }

    private async Task ReadControlsAsync(MigrationRelay relay, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in relay.Controls.ReadAllAsync(cancellationToken))
            {
                if (message.Type is MigrationControl.Resumed)
                {
                    ResumeAcknowledgedAt = Time.GetUtcNow();
                    TargetResumedAt = message.At;
                    _targetAnswer.TrySetResult(message);
                }
                else if (message.Type is MigrationControl.Failed)
                {
                    _targetAnswer.TrySetResult(message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The session ended.
        }

        _targetAnswer.TrySetResult(null);
    }

    private async Task CancelHypervisorQuietlyAsync()
    {
        try
        {
            await Driver.CancelOutgoingAsync(VmId, CancellationToken.None);
        }
        catch (HypervisorException ex)
        {
            Logger.StepFailed(MigrationId, "cancelling in the hypervisor", ex.Message);
        }
    }
}
