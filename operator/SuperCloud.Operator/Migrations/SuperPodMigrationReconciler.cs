using System.Security.Cryptography;
using Google.Protobuf;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Migrations;

/// <summary>
/// Runs SuperPodMigrations through Pending → Scheduling → PreparingTarget → Transferring → Switching → Succeeded, or to
/// Failed or Cancelled. Each step observes (caches, then the agents it needs), lets <see cref="MigrationDecider"/>
/// choose one action, and carries it out through its collaborators: <see cref="MigrationAdmission"/> (the concurrency
/// limits), <see cref="AgentGateway"/> (the agents, with typed answers) and <see cref="MigrationStatusWriter"/> (every
/// status write). Every step reads what is and is safe to repeat, so an operator restart in any phase resumes where it was.
/// The SuperPod's status.migration is the lock (one migration per SuperPod) and reserves the target's resources; its
/// status.node and status.ownerEpoch move together at the switch-over.
/// </summary>
public sealed partial class SuperPodMigrationReconciler(
    Informer<SuperPodMigration> migrations, ResourceClient<SuperPodMigration> client, MigrationInputs inputs, MigrationAdmission admission,
    AgentGateway gateway, MigrationStatusWriter writer, [FromKeyedServices(SuperPodMigrationReconciler.SchedulerKey)] Scheduler scheduler,
    EventRecorder events, MigrationControllerOptions options, MigrationMetrics metrics, Failpoints failpoints, TimeProvider timeProvider,
    ILogger<SuperPodMigrationReconciler> logger) : IReconciler
{
    /// <summary>The finalizer that keeps a SuperPodMigration until the agents let go of it (cancelled, cleaned up).</summary>
    public const string Finalizer = "supercloud.dev/migration";

    /// <summary>Migrations by the SuperPod they move (namespace/name).</summary>
    public const string BySuperPod = "spec.superPod";

    /// <summary>The failpoint that kills the operator just before it records the named phase.</summary>
    public const string BeforePhaseFailpoint = "migration.before";

    /// <summary>Condition type of a failed or cancelled migration: False until the target's copy is gone.</summary>
    public const string TargetCleanedUp = MigrationStatusWriter.TargetCleanedUp;

    /// <summary>The DI key of the migration controller's own scheduler instance (a scheduler runs one cycle at a time).</summary>
    public const string SchedulerKey = "superpodmigration";

    private const int MaxStepsPerReconcile = 16;
    private const int TokenBytes = 32;

    /// <summary>True for Succeeded, Failed and Cancelled.</summary>
    public static bool IsFinished(MigrationPhase? phase) => phase is MigrationPhase.Succeeded or MigrationPhase.Failed or MigrationPhase.Cancelled;

    /// <summary>True for the phases that hold a slot: Scheduling to Switching.</summary>
    public static bool IsActive(MigrationPhase? phase) => MigrationAdmission.IsActive(phase);

    private DateTime Now => timeProvider.GetUtcNow().UtcDateTime;

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var migration = migrations.Cache.Get(key);
        if (migration is null)
        {
            admission.Forget(key);
            return ReconcileResult.Done;
        }

        if (migration.Metadata.DeletionTimestamp is not null && !Finalizers.Has(migration, Finalizer))
        {
            return ReconcileResult.Done;
        }

        if (migration.Metadata.DeletionTimestamp is null && !IsFinished(migration.Status?.Phase))
        {
            migration = await Finalizers.EnsureAsync(client, migration, Finalizer, cancellationToken);
        }

        var round = new Round();
        for (var step = 0; step < MaxStepsPerReconcile; step++)
        {
            var observations = await ObserveAsync(migration, round, cancellationToken);
            var action = MigrationDecider.Decide(migration.Status?.Phase, observations);
            LogDecision(logger, key, migration.Status?.Phase, action);
            var next = await ExecuteAsync(migration, observations, action, round, cancellationToken);
            if (next.Result is { } result)
            {
                return result;
            }

            if (next.Migration!.Status?.Phase != migration.Status?.Phase)
            {
                round.NewPhase();
            }

            migration = next.Migration;
        }

        return new ReconcileResult(Requeue: true);
    }

    private async Task<MigrationObservations> ObserveAsync(SuperPodMigration migration, Round round, CancellationToken cancellationToken)
    {
        var status = migration.Status;
        var phase = status?.Phase;
        var podKey = PodKey(migration);
        var pod = round.Pod ?? inputs.Pod(podKey);
        var name = migration.Metadata.Name;
        if (pod is not null && pod.Status?.Migration?.Name != name && phase is MigrationPhase.Scheduling or MigrationPhase.PreparingTarget && !round.PodFresh)
        {
            // The cache may lag behind the lock this migration wrote a moment ago: ask the API server.
            pod = await inputs.FreshPodAsync(podKey, cancellationToken);
            round.Pod = pod;
            round.PodFresh = true;
        }

        var (limits, limitsError) = inputs.Limits(migration, pod);
        var sourceName = status?.Source?.Node ?? pod?.Status?.Node;
        var (sourceEpoch, targetEpoch) = (status?.Source?.Epoch ?? pod?.Status?.OwnerEpoch ?? 0, status?.Target?.Epoch ?? 0);
        var start = Utc(status?.StartTime ?? Now);
        var observations = new MigrationObservations
        {
            CancelRequested = migration.Metadata.DeletionTimestamp is not null,
            Pod = View(podKey, pod, name, status),
            LimitsError = limitsError,
            TargetIsSource = migration.Spec.Target?.Node is { } wanted && wanted == pod?.Status?.Node,
            SourceNode = gateway.Node(sourceName),
            TargetNode = gateway.Node(status?.Target?.Node),
            SpecSupported = pod is null || SuperPodController.BuildSpec(pod, SuperPodController.VmId(pod)) is not null,
            Source = round.Source,
            Target = round.Target,
            Attempt = round.Attempt,
            SourceEpoch = sourceEpoch,
            TargetEpoch = targetEpoch,
            Limits = limits,
            // The disks' bytes to mirror count like memory.
            CompletionTimeout = limits.CompletionTimeout((long)(pod?.Spec.Resources.Memory.ToDecimal() ?? 0)
                + (round.Source.Report?.Status.DiskBytesTransferred ?? 0) + (round.Source.Report?.Status.DiskBytesRemaining ?? 0)),
            SinceStart = Now - start,
            SinceProgress = Now - Utc(status?.Progress?.LastProgressTime ?? start),
            BytesSent = status?.Progress?.BytesSent ?? -1,
            BytesReceived = status?.Progress?.BytesReceived ?? -1,
            PostCopyUsed = status?.Progress?.PostCopy == true,
            SchedulingTimeout = options.SchedulingTimeout,
            AgentUnreachableTimeout = options.AgentUnreachableTimeout,
            TargetCleanedUp = Conditions.IsTrue(status?.Conditions, TargetCleanedUp),
            TargetTaken = pod?.Status?.Migration is { } other && other.Name != name && other.TargetNode == status?.Target?.Node,
            Released = pod is null || (pod.Status?.Migration?.Name != name && pod.Status?.LastMigration?.Name == name),
            HasFinalizer = Finalizers.Has(migration, Finalizer),
        };
        return phase switch
        {
            null or MigrationPhase.Pending when pod?.Status?.Node is { Length: > 0 } node => observations with { SlotRefusal = admission.Check(migration, node) },
            MigrationPhase.Scheduling when pod is not null => observations with { Choice = Choose(migration, pod) },
            _ => observations,
        };
    }

    private TargetChoice Choose(SuperPodMigration migration, SuperPod pod)
    {
        if (pod.Status?.Migration?.TargetNode is { Length: > 0 } reserved)
        {
            // Chosen before a restart: keep it.
            return new TargetChoice.Reserved(reserved, inputs.Node(reserved) is not null);
        }

        SchedulingDecision decision;
        lock (scheduler)
        {
            var snapshot = inputs.Snapshot();
            var podKey = PodKey(migration);
            var request = PodRequest.From(pod, snapshot).ForMigration(migration.Spec.Target, migration.Status!.Source!.Node!, ClusterSnapshot.MigrationReservation(podKey));
            decision = scheduler.Schedule(request, snapshot);
        }

        // Room may appear (a node becomes Ready, another migration ends) as kube-scheduler retries a pending pod.
        return decision.Node is { } node
            ? new TargetChoice.Chosen(node.Name, decision.Message)
            : new TargetChoice.None(migration.Spec.Target?.Node is null ? "NoTarget" : "TargetUnschedulable", $"no node can take SuperPod {PodKey(migration)}: {decision.Message}");
    }

    private async Task<Step> ExecuteAsync(SuperPodMigration migration, MigrationObservations o, MigrationAction action, Round round, CancellationToken cancellationToken)
    {
        var status = migration.Status;
        var podKey = PodKey(migration);
        var pod = round.Pod ?? inputs.Pod(podKey);
        var reference = pod is null ? null : new MigrationRef(migration.Metadata.Uid ?? migration.Metadata.Name, SuperPodController.VmId(pod));
        switch (action)
        {
            case MigrationAction.Observe observe:
                var node = observe.Agent == Party.Source ? o.SourceNode.Name : o.TargetNode.Name;

                // Without the SuperPod there is no VM to ask about.
                round.Set(observe.Agent, reference is null
                    ? new AgentView.NotFound($"SuperPod {podKey} does not exist")
                    : await gateway.ObserveAsync(node, reference, cancellationToken));
                return Step.Continue(migration);

            case MigrationAction.Hold hold:
                await writer.HoldAsync(migration, hold.Reason, hold.Message, cancellationToken);
                return Step.Stop(ReconcileResult.After(options.PendingRequeue));

            case MigrationAction.TakeLock:
                return await TakeLockAsync(migration, pod!, cancellationToken);

            case MigrationAction.Reserve reserve:
                return await ReserveAsync(migration, podKey, pod!, reserve, cancellationToken);

            case MigrationAction.PrepareTarget:
                var prepared = await gateway.PrepareTargetAsync(o.TargetNode.Name, reference!, SuperPodController.BuildSpec(pod!, reference!.VmId)!, o.SourceNode.Name,
                    NewToken(), AgentOptions(o), o.TargetEpoch, cancellationToken);
                round.Record(Party.Target, prepared);
                return Step.Continue(migration);

            case MigrationAction.BeginTransfer:
                await events.NormalAsync(migration, "MigrationStarted", $"Transferring SuperPod {podKey} from {o.SourceNode.Name} to {o.TargetNode.Name}", cancellationToken);
                failpoints.Hit(BeforePhaseFailpoint, nameof(MigrationPhase.Transferring));
                return Step.Continue(await writer.EnterAsync(migration, podKey, MigrationPhase.Transferring,
                    $"copying memory from {o.SourceNode.Name} to {o.TargetNode.Name} while the SuperPod runs",
                    s => (s.Progress ??= new MigrationProgress()).LastProgressTime ??= Now, cancellationToken));

            case MigrationAction.StartTransfer:
                return Step.Continue(await StartTransferAsync(migration, o, pod!, reference!, round, cancellationToken));

            case MigrationAction.RecordProgress progress:
                await writer.ProgressAsync(migration, progress.Report, cancellationToken);
                return Step.Stop(ReconcileResult.After(options.ProgressInterval));

            case MigrationAction.RecordTargetProgress received:
                await writer.TargetProgressAsync(migration, received.Report,
                    $"the source agent of {o.SourceNode.Name} does not answer, but {o.TargetNode.Name} still receives ({received.Report.Status.StreamPayloadBytes} bytes)", cancellationToken);
                return Step.Stop(ReconcileResult.After(options.ProgressInterval));

            case MigrationAction.StartPostCopy postCopy:
                return await StartPostCopyAsync(migration, o, reference!, postCopy.Report, cancellationToken);

            case MigrationAction.CancelSource cancel:
                return await CancelSourceAsync(migration, o, reference!, cancel, round, cancellationToken);

            case MigrationAction.AbortTarget:
                var aborted = await gateway.AbortTargetAsync(o.TargetNode.Name, reference!, o.TargetEpoch, cancellationToken);
                if (aborted is AgentOutcome.Done)
                {
                    await events.NormalAsync(migration, "TargetAborted", $"the agent of {o.TargetNode.Name} aborted the migration: its copy never resumes there", cancellationToken);
                }

                round.Record(Party.Target, aborted);
                return Step.Continue(migration);

            case MigrationAction.BeginSwitch:
                failpoints.Hit(BeforePhaseFailpoint, nameof(MigrationPhase.Switching));
                return Step.Continue(await writer.EnterAsync(migration, podKey, MigrationPhase.Switching,
                    $"the transfer completed; switching the SuperPod over to {o.TargetNode.Name}",
                    s =>
                    {
                        var p = s.Progress ??= new MigrationProgress();
                        p.BytesSent = Math.Max(p.BytesSent ?? 0, o.Source.Report?.Status.BytesTransferred ?? 0);
                        p.BytesRemaining = 0;
                    }, cancellationToken));

            case MigrationAction.CompleteTarget:
                round.Record(Party.Target, await gateway.CompleteTargetAsync(o.TargetNode.Name, reference!, o.TargetEpoch, cancellationToken));
                return Step.Continue(migration);

            case MigrationAction.SwitchOwner:
                return await SwitchOwnerAsync(migration, o, podKey, reference!, round, cancellationToken);

            case MigrationAction.RollBack rollBack:
                return await RollBackAsync(migration, o, podKey, reference!, rollBack, round, cancellationToken);

            case MigrationAction.RecoverPostCopy:
                var recovered = await gateway.RecoverPostCopyAsync(o.SourceNode.Name, o.TargetNode.Name, reference!, NewToken(), AgentOptions(o), o.TargetEpoch, cancellationToken);
                await events.NormalAsync(migration, "PostCopyRecovering",
                    $"post-copy lost its stream; {o.SourceNode.Name} resumes sending the remaining pages to {o.TargetNode.Name}: {(recovered is AgentOutcome.Done ? "started" : recovered.Detail)}",
                    cancellationToken);
                await writer.WaitAsync(migration, "PostCopyRecovering", $"recovering the post-copy stream from {o.SourceNode.Name} to {o.TargetNode.Name}", ownerUnknown: false, cancellationToken);
                return Step.Stop(recovered is AgentOutcome.Done ? ReconcileResult.After(options.ProgressInterval) : new ReconcileResult(Requeue: true));

            case MigrationAction.DeleteSourceCopy:
                return await SucceedAsync(migration, o, reference!, cancellationToken);

            case MigrationAction.Finish finish:
                return Step.Continue(await FinishAsync(migration, podKey, finish, cancellationToken));

            case MigrationAction.Wait wait:
                await writer.WaitAsync(migration, wait.Reason, wait.Message, wait.OwnerUnknown, cancellationToken);
                if (wait.OwnerUnknown)
                {
                    var key = ObjectKey.From(migration);
                    LogOwnerUnknown(logger, key, wait.Message);
                }

                return Step.Stop(wait.Retry switch
                {
                    Retry.Pending => ReconcileResult.After(options.PendingRequeue),
                    Retry.Progress => ReconcileResult.After(options.ProgressInterval),
                    _ => new ReconcileResult(Requeue: true),
                });

            case MigrationAction.CleanUpTarget:
                return await CleanUpTargetAsync(migration, o, reference!, round, cancellationToken);

            case MigrationAction.Release:
                await writer.ReleaseAsync(podKey, migration, cancellationToken);
                round.Pod = await inputs.FreshPodAsync(podKey, cancellationToken);
                return Step.Continue(migration);

            case MigrationAction.RemoveFinalizer remove:
                if (remove.Warning is { } warning)
                {
                    await events.WarningAsync(migration, "TargetNotCleanedUp", warning, cancellationToken);
                }

                try
                {
                    await Finalizers.RemoveAsync(client, migration, Finalizer, cancellationToken);
                }
                catch (KubernetesApiException e) when (e.IsNotFound)
                {
                    // Already gone.
                }

                return Step.Stop(ReconcileResult.Done);

            default:
                return Step.Stop(ReconcileResult.Done);
        }
    }

    private async Task<Step> TakeLockAsync(SuperPodMigration migration, SuperPod pod, CancellationToken cancellationToken)
    {
        var source = pod.Status!.Node!;
        if (admission.TryAdmit(migration, source) is { } full)
        {
            await writer.HoldAsync(migration, "WaitingForSlot", full, cancellationToken);
            return Step.Stop(ReconcileResult.After(options.PendingRequeue));
        }

        var locked = await writer.LockAsync(PodKey(migration), migration, source, cancellationToken);
        if (locked is null)
        {
            admission.Forget(ObjectKey.From(migration));
            return Step.Stop(ReconcileResult.After(options.PendingRequeue));
        }

        failpoints.Hit(BeforePhaseFailpoint, nameof(MigrationPhase.Scheduling));
        var cluster = inputs.Node(source)?.Spec.Cluster;
        var location = new PlacementLocation
        {
            Node = source, Cluster = locked.Status!.Cluster, Cloud = locked.Status.Cloud, Region = locked.Status.Region, Epoch = locked.Status.OwnerEpoch ?? 0,
        };
        return Step.Continue(await writer.SchedulingAsync(migration, location,
            $"choosing a target for SuperPod {PodKey(migration)} (from {source}{(cluster is null ? "" : $" in {cluster}")})", cancellationToken));
    }

    private async Task<Step> ReserveAsync(SuperPodMigration migration, ObjectKey podKey, SuperPod pod, MigrationAction.Reserve reserve, CancellationToken cancellationToken)
    {
        if (pod.Status?.Migration?.TargetNode != reserve.Node && !await writer.ReserveAsync(podKey, migration, reserve.Node, cancellationToken))
        {
            return Step.Continue(await FinishAsync(migration, podKey,
                new MigrationAction.Finish(MigrationPhase.Failed, "SuperPodChanged", $"SuperPod {podKey} changed while its target was chosen"), cancellationToken));
        }

        var source = migration.Status!.Source!;
        await events.NormalAsync(migration, "TargetChosen", $"Moving SuperPod {podKey} from {source.Node} to {reserve.Node}: {reserve.Message}", cancellationToken);
        failpoints.Hit(BeforePhaseFailpoint, nameof(MigrationPhase.PreparingTarget));
        var target = inputs.Snapshot().Node(reserve.Node);

        // The target's copy gets the next epoch: it becomes status.ownerEpoch at the switch-over.
        var location = new PlacementLocation
        {
            Node = reserve.Node, Cluster = target?.ClusterName, Cloud = target?.Cluster?.Provider, Region = target?.Cluster?.Region, Epoch = (source.Epoch ?? 0) + 1,
        };
        return Step.Continue(await writer.EnterAsync(migration, podKey, MigrationPhase.PreparingTarget, $"preparing {reserve.Node} to receive SuperPod {podKey}",
            s => s.Target = location, cancellationToken));
    }

    // A fresh token each time: the target accepts only the newest one, so only this attempt's source can connect.
    private async Task<SuperPodMigration> StartTransferAsync(
        SuperPodMigration migration, MigrationObservations o, SuperPod pod, MigrationRef reference, Round round, CancellationToken cancellationToken)
    {
        var token = NewToken();
        var agentOptions = AgentOptions(o);
        var prepared = await gateway.PrepareTargetAsync(o.TargetNode.Name, reference, SuperPodController.BuildSpec(pod, reference.VmId)!, o.SourceNode.Name,
            token, agentOptions, o.TargetEpoch, cancellationToken);
        if (prepared is not AgentOutcome.Done)
        {
            round.Attempt = prepared;
            return migration;
        }

        var endpoint = gateway.Endpoint(o.TargetNode.Name) ?? "";
        round.Record(Party.Source, await gateway.StartSourceAsync(o.SourceNode.Name, reference, o.TargetNode.Name, endpoint, token, agentOptions,
            o.SourceEpoch, o.TargetEpoch, cancellationToken));
        return migration;
    }

    private async Task<Step> StartPostCopyAsync(SuperPodMigration migration, MigrationObservations o, MigrationRef reference, MigrationReport report, CancellationToken cancellationToken)
    {
        var outcome = await gateway.StartPostCopyAsync(o.SourceNode.Name, reference, cancellationToken);
        if (outcome is AgentOutcome.Done)
        {
            var message = $"pre-copy did not converge within the completion timeout ({report.Status.BytesRemaining} bytes still dirty); switched to post-copy";
            await events.NormalAsync(migration, "PostCopy", message, cancellationToken);
            await writer.PostCopyAsync(migration, message, cancellationToken);
        }

        // Refused: the transfer completed or failed meanwhile; the next look tells which.
        return Step.Stop(outcome is AgentOutcome.Unreachable ? new ReconcileResult(Requeue: true) : ReconcileResult.After(options.ProgressInterval));
    }

    // The source agent promises that a transfer it accepted to cancel never hands the VM over; one it refuses has.
    private async Task<Step> CancelSourceAsync(
        SuperPodMigration migration, MigrationObservations o, MigrationRef reference, MigrationAction.CancelSource cancel, Round round, CancellationToken cancellationToken)
    {
        var outcome = await gateway.CancelSourceAsync(o.SourceNode.Name, reference, cancellationToken);
        if (outcome is AgentOutcome.Done { Report: var report } && report?.HandedOver != true)
        {
            return Step.Continue(await FinishAsync(migration, PodKey(migration), new MigrationAction.Finish(cancel.Phase, cancel.Reason, cancel.Message), cancellationToken));
        }

        var key = ObjectKey.From(migration);
        LogCancelRefused(logger, key, outcome.Detail);
        if (outcome is AgentOutcome.Unreachable or AgentOutcome.NodeMissing)
        {
            round.Record(Party.Source, outcome);
        }
        else
        {
            // Refused because it handed the VM over (or answered otherwise): look again.
            round.Set(Party.Source, AgentView.NotAsked);
        }

        return Step.Continue(migration);
    }

    private async Task<Step> SwitchOwnerAsync(
        SuperPodMigration migration, MigrationObservations o, ObjectKey podKey, MigrationRef reference, Round round, CancellationToken cancellationToken)
    {
        if (!await writer.SwitchOwnerAsync(podKey, migration, reference.VmId, cancellationToken))
        {
            return Step.Stop(new ReconcileResult(Requeue: true));
        }

        var key = ObjectKey.From(migration);
        LogSwitched(logger, podKey, o.TargetNode.Name, o.TargetEpoch, key);
        await writer.OwnerConfirmedAsync(migration, "TargetRuns", $"the agent of {o.TargetNode.Name} runs the VM under epoch {o.TargetEpoch}", cancellationToken);
        round.Pod = await inputs.FreshPodAsync(podKey, cancellationToken);
        return Step.Continue(migration);
    }

    // The target's copy is gone for good (its agent's abort, or its node fenced): the source's copy runs again under a
    // new epoch, written to the SuperPod first — only while the API still names the source owner at its epoch.
    private async Task<Step> RollBackAsync(
        SuperPodMigration migration, MigrationObservations o, ObjectKey podKey, MigrationRef reference, MigrationAction.RollBack rollBack, Round round,
        CancellationToken cancellationToken)
    {
        var newEpoch = o.TargetEpoch + 1;
        if (o.Pod.Owner == PodOwner.Source && !await writer.RollBackOwnerAsync(podKey, migration, newEpoch, cancellationToken))
        {
            return Step.Stop(new ReconcileResult(Requeue: true));
        }

        round.Pod = await inputs.FreshPodAsync(podKey, cancellationToken);
        var outcome = await gateway.RollBackSourceAsync(o.SourceNode.Name, reference, o.SourceEpoch, newEpoch, cancellationToken);
        if (outcome is not AgentOutcome.Done)
        {
            await writer.WaitAsync(migration, "WaitingForSource", $"{rollBack.Evidence}; the roll-back to epoch {newEpoch} is recorded and waits for the source agent of {o.SourceNode.Name}: {outcome.Detail}",
                ownerUnknown: false, cancellationToken);
            return Step.Stop(new ReconcileResult(Requeue: true));
        }

        await events.WarningAsync(migration, "RolledBack", $"{rollBack.Evidence}; SuperPod {podKey} resumed on {o.SourceNode.Name} under epoch {newEpoch}", cancellationToken);
        await writer.OwnerConfirmedAsync(migration, "RolledBack", $"{rollBack.Evidence}; the VM runs on {o.SourceNode.Name} under epoch {newEpoch}", cancellationToken);
        round.Record(Party.Source, outcome);
        return Step.Continue(migration);
    }

    // The SuperPod runs on the target with every page: the summary comes from the source agent (it measured the pause on
    // its own clock), then its copy goes.
    private async Task<Step> SucceedAsync(SuperPodMigration migration, MigrationObservations o, MigrationRef reference, CancellationToken cancellationToken)
    {
        var status = migration.Status!;
        var view = o.Source.Report?.Status;
        TimeSpan? downtime = view?.SourceStoppedAt is { } stopped && view.ResumeAcknowledgedAt is { } acknowledged ? acknowledged.ToDateTime() - stopped.ToDateTime()
            : view?.SourceStoppedAt is { } s && view.TargetResumedAt is { } r ? r.ToDateTime() - s.ToDateTime()
            : view?.HypervisorDowntimeMs > 0 ? TimeSpan.FromMilliseconds(view.HypervisorDowntimeMs) : null;
        var summary = new TransferSummary(Now - Utc(status.StartTime ?? Now), Math.Max(view?.BytesTransferred ?? 0, status.Progress?.BytesSent ?? 0), downtime);
        failpoints.Hit(BeforePhaseFailpoint, nameof(MigrationPhase.Succeeded));
        var deleted = await gateway.DeleteVmAsync(o.SourceNode.Name, reference.VmId, cancellationToken);
        if (deleted is not AgentOutcome.Done)
        {
            await writer.WaitAsync(migration, "SourceNotDeleted",
                $"the SuperPod runs on {o.TargetNode.Name}; waiting to delete the paused copy on {o.SourceNode.Name} ({deleted.Detail})", ownerUnknown: false, cancellationToken);
            return Step.Stop(new ReconcileResult(Requeue: true));
        }

        var podKey = PodKey(migration);
        var message = $"SuperPod {podKey} moved from {status.Source?.Node} to {status.Target?.Node} in {Crds.GoDuration.Format(summary.Total)}"
            + (summary.Downtime is { } d ? $", paused for {Crds.GoDuration.Format(d)}" : "") + $", {summary.BytesTransferred} bytes sent";
        var written = await writer.SucceedAsync(migration, summary, message, cancellationToken);
        admission.Forget(ObjectKey.From(migration));
        metrics.Finished.WithLabels(nameof(MigrationPhase.Succeeded), "Migrated").Inc();
        metrics.Duration.Observe(summary.Total.TotalSeconds);
        metrics.Bytes.Inc(summary.BytesTransferred);
        if (summary.Downtime is { } pause)
        {
            metrics.Downtime.Observe(pause.TotalSeconds);
        }

        var key = ObjectKey.From(migration);
        LogSucceeded(logger, key, message);
        await events.NormalAsync(migration, "Migrated", message, cancellationToken);
        if (inputs.Pod(podKey) is { } pod)
        {
            await events.NormalAsync(pod, "Migrated", message, cancellationToken);
        }

        return Step.Continue(written);
    }

    private async Task<SuperPodMigration?> FinishAsync(SuperPodMigration migration, ObjectKey podKey, MigrationAction.Finish finish, CancellationToken cancellationToken)
    {
        var written = await writer.FinishAsync(migration, finish.Phase, finish.Reason, finish.Message, cancellationToken);
        admission.Forget(ObjectKey.From(migration));
        metrics.Finished.WithLabels(finish.Phase.ToString(), finish.Reason).Inc();
        var key = ObjectKey.From(migration);
        LogFinished(logger, key, podKey, finish.Phase, finish.Reason, finish.Message);
        if (finish.Phase == MigrationPhase.Cancelled)
        {
            await events.NormalAsync(migration, "MigrationCancelled", finish.Message, cancellationToken);
        }
        else
        {
            await events.WarningAsync(migration, "MigrationFailed", $"{finish.Reason}: {finish.Message}", cancellationToken);
        }

        return written;
    }

    // After a failed or cancelled migration: its target's copy is aborted there for good. A copy that runs there is left
    // alone for a person to look at — it cannot, by the rules above, but if it does, deleting it could lose the VM.
    private async Task<Step> CleanUpTargetAsync(SuperPodMigration migration, MigrationObservations o, MigrationRef reference, Round round, CancellationToken cancellationToken)
    {
        var outcome = await gateway.AbortTargetAsync(o.TargetNode.Name, reference, o.TargetEpoch, cancellationToken);
        switch (outcome)
        {
            case AgentOutcome.Done:
                return Step.Continue(await writer.CleanedUpAsync(migration, true, "Aborted", $"the migration was aborted on {o.TargetNode.Name} and its copy removed", cancellationToken));
            case AgentOutcome.NodeMissing missing:
                return Step.Continue(await writer.CleanedUpAsync(migration, true, "NothingToRemove", $"no copy to remove: {missing.Detail}", cancellationToken));
            case AgentOutcome.Refused refused:
                await events.WarningAsync(migration, "TargetRunning", $"VM {reference.VmId} runs on {o.TargetNode.Name} although the migration {migration.Status?.Phase}; it is left alone: {refused.Detail}", cancellationToken);
                await writer.CleanedUpAsync(migration, false, "TargetRunning", refused.Detail, cancellationToken);
                round.Attempt = outcome;
                break;
            default:
                await writer.CleanedUpAsync(migration, false, "AgentUnreachable", $"waiting for the agent of {o.TargetNode.Name} to remove the target's copy ({outcome.Detail})", cancellationToken);
                round.Attempt = outcome;
                break;
        }

        return Step.Continue(migration);
    }

    private static PodView View(ObjectKey podKey, SuperPod? pod, string migration, SuperPodMigrationStatus? status)
    {
        if (pod is null)
        {
            return PodView.Missing(podKey.ToString());
        }

        var s = pod.Status;
        var (node, epoch) = (s?.Node, s?.OwnerEpoch ?? 0);
        var targetEpoch = status?.Target?.Epoch ?? 0;
        var owner = node == status?.Source?.Node && epoch == (status?.Source?.Epoch ?? 0) ? PodOwner.Source
            : node == status?.Target?.Node && epoch == targetEpoch ? PodOwner.Target
            : node == status?.Source?.Node && targetEpoch > 0 && epoch == targetEpoch + 1 ? PodOwner.RolledBack
            : PodOwner.Other;
        return new PodView(podKey.ToString(), true, pod.Metadata.DeletionTimestamp is not null, s?.Migration?.Name, s?.Migration?.Name == migration, node, s?.Phase, epoch, owner);
    }

    private static V1.MigrationOptions AgentOptions(MigrationObservations o) => new()
    {
        BandwidthBytesPerSecond = o.Limits.BandwidthBytesPerSecond,
        MaxDowntimeMs = (int)Math.Clamp(o.Limits.MaxDowntime.TotalMilliseconds, 1, int.MaxValue),
        AllowAutoConverge = o.Limits.AllowAutoConverge,
        AllowPostCopy = o.Limits.AllowPostCopy,
        CompletionTimeoutMs = (long)Math.Max(1, o.CompletionTimeout.TotalMilliseconds),
    };

    private static ByteString NewToken() => ByteString.CopyFrom(RandomNumberGenerator.GetBytes(TokenBytes));

    private static ObjectKey PodKey(SuperPodMigration migration) => new(migration.Metadata.NamespaceProperty, migration.Spec.SuperPod);

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Migration {Key} in {Phase}: {Action}")]
    private static partial void LogDecision(ILogger logger, ObjectKey key, MigrationPhase? phase, MigrationAction action);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration {Key} cannot tell which host may run the VM; it resumes nothing: {Message}")]
    private static partial void LogOwnerUnknown(ILogger logger, ObjectKey key, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration {Key}: the source did not cancel ({Detail}); looking again")]
    private static partial void LogCancelRefused(ILogger logger, ObjectKey key, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "SuperPod {Pod} now runs on {Target} under epoch {Epoch} (migration {Key})")]
    private static partial void LogSwitched(ILogger logger, ObjectKey pod, string target, long epoch, ObjectKey key);

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration {Key}: {Message}")]
    private static partial void LogSucceeded(ILogger logger, ObjectKey key, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration {Key} of SuperPod {Pod} {Phase}: {Reason}: {Message}")]
    private static partial void LogFinished(ILogger logger, ObjectKey key, ObjectKey pod, MigrationPhase phase, string reason, string message);

    /// <summary>The outcome of one step: the migration as it is now (decide again), or a result to stop with.</summary>
    private readonly record struct Step(SuperPodMigration? Migration, ReconcileResult? Result)
    {
        public static Step Continue(SuperPodMigration? migration) =>
            migration is null ? new Step(null, ReconcileResult.Done) : new Step(migration, null);

        public static Step Stop(ReconcileResult result) => new(null, result);
    }

    /// <summary>What one reconcile has learned so far: the agents' views, the last command's answer, a fresher SuperPod.</summary>
    private sealed class Round
    {
        public AgentView Source { get; private set; } = AgentView.NotAsked;

        public AgentView Target { get; private set; } = AgentView.NotAsked;

        public AgentOutcome? Attempt { get; set; }

        public SuperPod? Pod { get; set; }

        public bool PodFresh { get; set; }

        public void Set(Party party, AgentView view)
        {
            if (party == Party.Source)
            {
                Source = view;
            }
            else
            {
                Target = view;
            }
        }

        // A command's answer: its report becomes the agent's view; a failure is kept for the decision and the view
        // becomes what the failure says about the agent.
        public void Record(Party party, AgentOutcome outcome)
        {
            switch (outcome)
            {
                case AgentOutcome.Done { Report: { } report }:
                    Attempt = null;
                    Set(party, new AgentView.Answered(report));
                    break;
                case AgentOutcome.Done:
                    Attempt = null;
                    Set(party, AgentView.NotAsked);
                    break;
                case AgentOutcome.Unreachable unreachable:
                    Attempt = outcome;
                    Set(party, new AgentView.Unreachable(unreachable.Detail));
                    break;
                case AgentOutcome.NodeMissing missing:
                    Attempt = outcome;
                    Set(party, new AgentView.NodeMissing(missing.Detail));
                    break;
                default:
                    Attempt = outcome;
                    break;
            }
        }

        public void NewPhase()
        {
            Source = AgentView.NotAsked;
            Target = AgentView.NotAsked;
            Attempt = null;
        }
    }
}
