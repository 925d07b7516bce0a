using System.Net.Sockets;
using SuperCloud.Agent.V1;
using VmState = SuperCloud.NodeAgent.Hypervisor.VmState;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Ownership;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// The source end of a migration: connects to the target agent, has the hypervisor send the VM's state into a local
/// socket, relays it, follows the hypervisor until the transfer ends, and performs the switch-over: only once the
/// hypervisor reports the transfer completed (the VM here is paused for good and, with the return path, the target has
/// loaded the state) — or post-copy started with the VM stopped — does it tell the target to resume. The points where
/// the VM's fate changes are <see cref="HandOverAsync"/> (the state belongs to the target now) and
/// <see cref="EndWithoutHandOverAsync"/> (the transfer ended and the VM runs here).
/// </summary>
internal sealed class OutgoingMigration(
    string migrationId, string vmId, string targetNode, string targetEndpoint, long sourceEpoch, long targetEpoch, MigrationSettings settings,
    IHypervisorDriver driver, VmOwnership ownership, MigrationTransport transport, MigrationOptions options, TimeProvider timeProvider, ILogger logger)
    : MigrationSession(migrationId, vmId, MigrationRole.Source, sourceEpoch, targetEpoch, settings, driver, ownership, options, timeProvider, logger)
{
    private readonly TaskCompletionSource<MigrationControl?> _targetAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
        Advance(MigrationPhase.Transferring, $"connecting to the target agent {TargetNode} at {targetEndpoint}");
        _disks = new DiskMirror(MigrationId, VmId, TargetNode, targetEndpoint, Driver, transport, Options,
            RelaySettings(Settings.BandwidthBytesPerSecond), Path.ChangeExtension(SocketPath, null), Time, Logger);
        bool mirroring;
        try
        {
            Directory.CreateDirectory(Options.SocketDirectory);
            mirroring = await _disks.StartAsync(token, cancellationToken);
        }
        catch (Exception ex)
        {
            var reason = ex is MigrationConnectException connect ? connect.Reason : MigrationFailureReason.SourceStartFailed;
            Finish(MigrationPhase.Failed, reason, ex is OperationCanceledException ? "the start was abandoned by its caller" : ex.Message);
            await EndWithoutHandOverAsync();
            throw;
        }

        if (mirroring)
        {
            Advance(MigrationPhase.Transferring, $"mirroring {_disks.Disks.Count} disks to {TargetNode} before the memory");
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
            await _disks!.WaitReadyAsync(
                disks => Update(s => s with
                {
                    Hypervisor = (s.Hypervisor ?? MigrationInfo.None) with { DiskTransferredBytes = disks.TransferredBytes, DiskRemainingBytes = disks.RemainingBytes },
                }),
                cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is DiskMirrorException d ? d.Reason : MigrationFailureReason.DiskMirrorFailed;
            Finish(MigrationPhase.Failed, reason, $"{ex.Message}; the VM keeps running on the source");
            await _disks!.CancelAsync();
            await EndWithoutHandOverAsync();
            return;
        }

        if (State.CancelRequested)
        {
            return;
        }

        try
        {
            await StartMemoryAsync(token, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // StartMemoryAsync recorded the failure and that the VM runs here; its disks stay here too.
            await _disks!.CancelAsync();
        }
    }

    // The memory's transfer, once the disks (if any) are in sync.
    private async Task StartMemoryAsync(byte[] token, CancellationToken cancellationToken)
    {
        try
        {
            await RelayAsync(token, targetEndpoint, socket => Driver.StartOutgoingAsync(VmId, Settings, socket, cancellationToken), cancelOnFailure: true, cancellationToken);
            Advance(MigrationPhase.Transferring, $"sending to {TargetNode}");
        }
        catch (Exception ex)
        {
            // Also when the caller went away mid-start: a session left Transferring without a relay would never end.
            var reason = ex is MigrationConnectException connect ? connect.Reason : MigrationFailureReason.SourceStartFailed;
            Finish(MigrationPhase.Failed, reason, ex is OperationCanceledException ? "the start was abandoned by its caller" : ex.Message);
            await EndWithoutHandOverAsync();
            throw;
        }
    }

    /// <summary>
    /// Post-copy lost its stream: connects to the target agent at <paramref name="endpoint"/> again and has the hypervisor
    /// resume sending the pages the target still lacks. The VM ran on the target all along; this copy never resumes.
    /// </summary>
    public async Task RecoverAsync(byte[] token, string endpoint, CancellationToken cancellationToken)
    {
        Update(s => s with
        {
            Phase = MigrationPhase.PostCopy, Reason = MigrationFailureReason.Unspecified, Recovering = true, PostCopyStarted = true, HandedOver = true, SwitchSent = true,
            Message = $"recovering post-copy: connecting to the target agent {TargetNode} at {endpoint}",
        });
        try
        {
            // Nothing is cancelled if this fails: the hypervisor falls back to waiting for the stream, as it did before.
            await RelayAsync(token, endpoint, socket => Driver.ResumeOutgoingAsync(VmId, socket, cancellationToken), cancelOnFailure: false, cancellationToken);
            Update(s => s with { Message = $"post-copy resumed: sending the remaining pages to {TargetNode}" });
        }
        catch (Exception ex)
        {
            var reason = ex is MigrationConnectException connect ? connect.Reason : MigrationFailureReason.SourceStartFailed;
            Update(s => s with { Recovering = false });
            Finish(MigrationPhase.Failed, MigrationFailureReason.PostCopyFailed, $"recovering post-copy failed ({reason}): {ex.Message}; the remaining pages stay here");
            throw;
        }
    }

    // Connects to the target agent, has the hypervisor start (or resume) sending into a local socket, relays it, and
    // follows the hypervisor on its own task from then on.
    private async Task RelayAsync(byte[] token, string endpoint, Func<string, Task> startHypervisor, bool cancelOnFailure, CancellationToken cancellationToken)
    {
        Socket? listener = null;
        Stream? connection = null;
        var hypervisorStarted = false;
        try
        {
            var hello = new MigrationControl { Type = MigrationControl.Hello, MigrationId = MigrationId, VmId = VmId, Token = token };
            connection = await transport.ConnectAsync(endpoint, TargetNode, hello, cancellationToken);

            Directory.CreateDirectory(Options.SocketDirectory);
            File.Delete(SocketPath);
            listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            listener.Listen(1);
            await startHypervisor(SocketPath);
            hypervisorStarted = true;

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
                    throw new HypervisorException(VmId, "start outgoing migration",
                        $"the hypervisor did not connect to the stream socket within {Options.HypervisorConnectTimeout.TotalSeconds:0.#} s");
                }
            }

            Relay = new MigrationRelay(connection, null, hypervisor, RelaySettings(Settings.BandwidthBytesPerSecond), Logger);
            connection = null;
            Relay.Start();
            _ = Task.Run(() => RunAsync(Lifetime.Token), CancellationToken.None);
        }
        catch when (hypervisorStarted && cancelOnFailure)
        {
            await CancelHypervisorQuietlyAsync();
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

    /// <summary>
    /// Switches to post-copy; refused unless the transfer runs and post-copy was allowed at the start. Recorded before the
    /// hypervisor is asked: from then on this copy never resumes, whatever happens to the stream.
    /// </summary>
    public async Task StartPostCopyAsync(CancellationToken cancellationToken)
    {
        if (!Settings.AllowPostCopy)
        {
            throw new VmStateConflictException(VmId, "start post-copy", VmState.Running, $"migration {MigrationId} was started without post-copy allowed");
        }

        if (Phase != MigrationPhase.Transferring || State.CancelRequested)
        {
            throw new VmStateConflictException(VmId, "start post-copy", VmState.Running,
                $"migration {MigrationId} is {Phase}{(State.CancelRequested ? " and being cancelled" : "")}, not Transferring");
        }

        await Ownership.RecordAsync(VmId, (record, now) => OwnershipRules.BeginPostCopy(record, VmId, MigrationId, now), cancellationToken);
        Update(s => s with { PostCopyStarted = true });
        await Driver.StartPostCopyAsync(VmId, cancellationToken);
        Advance(MigrationPhase.PostCopy, "post-copy: the VM resumes on the target, which pulls the remaining pages");
    }

    /// <summary>
    /// Cancels the transfer; the hypervisor keeps the VM running here. Refused once the switch-over message went (the
    /// VM's state belongs to the target); once accepted, the VM is never handed over by this migration.
    /// </summary>
    public async Task CancelAsync(CancellationToken cancellationToken)
    {
        var state = Update(s => s.SwitchSent || s.HandedOver || s.PostCopyStarted || !s.IsActive ? s : s with { CancelRequested = true });
        if (!state.CancelRequested)
        {
            if (!state.IsActive && !state.HandedOver)
            {
                return;
            }

            throw new VmStateConflictException(VmId, "cancel migration", VmState.Paused,
                $"migration {MigrationId} is {state.Phase}: the VM's state already belongs to the target");
        }

        await CancelHypervisorQuietlyAsync();

        // The relay closes too, so the target learns at once and its hypervisor drops the half-received state.
        await CloseRelayAsync();
        if (_disks is not null)
        {
            await _disks.CancelAsync();
            if (Relay is null)
            {
                // Still mirroring the disks: no hypervisor migration will report the outcome.
                Finish(MigrationPhase.Cancelled, MigrationFailureReason.Cancelled, "cancelled while the disks were mirrored; the VM keeps running on the source");
                await EndWithoutHandOverAsync();
            }
        }
    }

    /// <summary>The operator rolled the migration back: the VM runs here again under <paramref name="epoch"/>.</summary>
    public void RolledBack(long epoch) =>
        Finish(MigrationPhase.Cancelled, MigrationFailureReason.Cancelled, $"rolled back: the target's copy was aborted and the VM runs here again under epoch {epoch}");

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var relay = Relay!;
        var controls = Task.Run(() => ReadControlsAsync(relay, cancellationToken), CancellationToken.None);
        try
        {
            var completed = false;
            await foreach (var info in Driver.WatchMigrationAsync(VmId, Options.ProgressInterval, cancellationToken))
            {
                Update(s => s with { Hypervisor = info });
                if (info.State == HypervisorMigrationState.PostcopyActive && info.StoppedAt is not null)
                {
                    // Post-copy is never started once a cancel was accepted, so the switch-over always goes.
                    Update(s => s with { Phase = MigrationPhase.PostCopy, Message = "post-copy: the VM resumes on the target, which pulls the remaining pages" });
                    await SwitchAsync(relay, info, cancellationToken);
                    await HandOverAsync(postCopy: true);
                }
                else if (info.PausedBeforeSwitchover && !_disksSwitched)
                {
                    // Once only: the hypervisor leaves pre-switchover a moment after migrate-continue, so the next poll
                    // may still report it, and a second migrate-continue would fail the migration. The VM is paused
                    // before its last state goes: the disks are completed now, so the target gets them whole.
                    _disksSwitched = true;
                    await SwitchDisksAsync(cancellationToken);
                }
                else if (info.State == HypervisorMigrationState.PostcopyPaused)
                {
                    // The stream broke during post-copy: the pages not sent yet exist only here, and the VM has run on the
                    // target since; this copy never resumes, and only recovering the stream saves the VM.
                    var failure = relay.Failure.IsCompletedSuccessfully ? relay.Failure.Result.Message : "the migration stream broke";
                    Finish(MigrationPhase.Failed, MigrationFailureReason.PostCopyFailed,
                        $"post-copy lost its stream to {TargetNode} ({failure}); the VM's remaining pages stay here and this copy never resumes");
                    return;
                }
                else if (info.State == HypervisorMigrationState.Completed)
                {
                    if (!await SwitchAsync(relay, info, cancellationToken))
                    {
                        // The cancel won the race with the end of the transfer: the target never hears it may resume, so
                        // the VM resumes here, as a cancelled migration promises.
                        await ResumeAfterCancelAsync();
                        return;
                    }

                    completed = true;
                    Update(s => s with { Phase = MigrationPhase.Completed, Message = "the transfer completed; the VM is paused here for good" });
                    await HandOverAsync(postCopy: State.PostCopyStarted);
                }
                else if (info.State is HypervisorMigrationState.Failed or HypervisorMigrationState.Cancelled)
                {
                    var failure = relay.Failure.IsCompletedSuccessfully ? relay.Failure.Result : null;
                    var cancelled = State.CancelRequested;
                    var (phase, reason) = _diskFailure is { } disks ? (MigrationPhase.Failed, disks.Reason)
                        : cancelled || (info.State == HypervisorMigrationState.Cancelled && failure is null)
                        ? (MigrationPhase.Cancelled, MigrationFailureReason.Cancelled)
                        : (MigrationPhase.Failed, failure?.Reason ?? MigrationFailureReason.HypervisorFailed);
                    var message = _diskFailure is { } diskFailure ? $"{diskFailure.Message}; the VM keeps running on the source"
                        : failure?.Message ?? (cancelled ? "cancelled; the VM keeps running on the source"
                        : $"the hypervisor reported the migration {info.State}: {info.Error ?? "no detail"}; the VM keeps running on the source");
                    Finish(phase, reason, message);
                    await EndWithoutHandOverAsync();
                    return;
                }
            }

            if (!completed)
            {
                return;
            }

            if (State.Recovering)
            {
                // The target resumed the VM long before the stream broke: there is no switch-over to confirm.
                Update(s => s with { Phase = MigrationPhase.Switched, Recovering = false, Message = $"post-copy recovered and completed: the VM runs on {TargetNode} with every page" });
                return;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(Options.SwitchAcknowledgeTimeout);
            var answer = await _targetAnswer.Task.WaitAsync(wait.Token).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
            if (answer?.Type == MigrationControl.Resumed)
            {
                Update(s => s with
                {
                    Phase = MigrationPhase.Switched,
                    Message = $"the VM runs on {TargetNode}",
                    ResumeAcknowledgedAt = s.ResumeAcknowledgedAt ?? Time.GetUtcNow(),
                    TargetResumedAt = answer.At,
                });
            }
            else
            {
                var message = answer is null
                    ? $"the transfer completed but {TargetNode} did not confirm that the VM resumed within {Options.SwitchAcknowledgeTimeout.TotalSeconds:0} s"
                    : $"the transfer completed but {TargetNode} could not resume the VM: {answer.Message}";
                Update(s => s with { Message = message });
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever happened to the agent's view, the hypervisor's own state (and the ownership record) decide what
            // the VM does next.
            Logger.StepFailed(MigrationId, "following the source hypervisor", ex.Message);
            Finish(MigrationPhase.Failed, MigrationFailureReason.SourceAgentError, ex.Message);
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

    // Tells the target it may resume, unless a cancel was accepted first (then false: nothing is sent, ever).
    private async Task<bool> SwitchAsync(MigrationRelay relay, MigrationInfo info, CancellationToken cancellationToken)
    {
        var first = false;
        var state = Update(s =>
        {
            if (s.SwitchSent || s.CancelRequested)
            {
                return s;
            }

            first = true;
            return s with { SwitchSent = true, SourceStoppedAt = info.StoppedAt ?? Time.GetUtcNow() };
        });
        if (!first)
        {
            return state.SwitchSent;
        }

        try
        {
            await relay.SendControlAsync(new MigrationControl { Type = MigrationControl.Switch, MigrationId = MigrationId, At = state.SourceStoppedAt }, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The target holds the state but did not hear it may resume: the operator completes the switch-over.
            Update(s => s with { Message = $"the transfer completed but the switch-over message could not reach {TargetNode}: {ex.Message}" });
        }

        return true;
    }

    private async Task ResumeAfterCancelAsync()
    {
        try
        {
            await Driver.RollBackOutgoingAsync(VmId, CancellationToken.None);
        }
        catch (HypervisorException ex)
        {
            Logger.StepFailed(MigrationId, "resuming the VM after a cancel that came as the transfer completed", ex.Message);
        }

        Finish(MigrationPhase.Cancelled, MigrationFailureReason.Cancelled, "cancelled as the transfer completed; the target was never told to resume, and the VM resumed here");
        await EndWithoutHandOverAsync();
    }

    // The VM's state belongs to the target from now on. Recorded after the switch-over message (which the downtime
    // waits for); until then the hypervisor's own state says the same, and a restarted agent reads it from there.
    private async Task HandOverAsync(bool postCopy)
    {
        Update(s => s with { HandedOver = true, PostCopyStarted = s.PostCopyStarted || postCopy });
        try
        {
            await Ownership.RecordAsync(VmId, (record, now) => OwnershipRules.HandOver(record, VmId, MigrationId, postCopy, now), CancellationToken.None);
        }
        catch (OwnershipConflictException ex)
        {
            Logger.OwnershipRefused(MigrationId, VmId, ex.Message);
        }
    }

    // The transfer ended and the VM is this host's again (the hypervisor resumed it, or never stopped it).
    private async Task EndWithoutHandOverAsync()
    {
        try
        {
            var copy = await Driver.GetAsync(VmId, CancellationToken.None);
            var runs = copy.Migration is not (VmMigrationState.MigratedOut or VmMigrationState.PostCopyOut);
            if (runs)
            {
                // Post-copy, if it was asked for, never took over: the hypervisor kept (or resumed) the VM here.
                Update(s => s with { PostCopyStarted = false });
            }

            await Ownership.RecordAsync(VmId, (record, now) => OwnershipRules.EndOutgoing(record, MigrationId, runs, now), CancellationToken.None);
        }
        catch (Exception ex) when (ex is VmNotFoundException or OwnershipConflictException or IOException)
        {
            Logger.StepFailed(MigrationId, "recording the end of the transfer", ex.Message);
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
                    Update(s => s with { ResumeAcknowledgedAt = Time.GetUtcNow(), TargetResumedAt = message.At });
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
