using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using SuperCloud.Crds;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Migrations;

/// <summary>The steps that talk to the agents: prepare the target, start and follow the transfer, switch over.</summary>
public sealed partial class SuperPodMigrationReconciler
{
    private const int TokenBytes = 32;

    private async Task<Step> PrepareAsync(MigrationContext context, bool cancelRequested, CancellationToken cancellationToken)
    {
        if (await LockLostAsync(context, cancellationToken) is { } lost)
        {
            return lost;
        }

        var (migration, pod, limits) = (context.Migration, context.Pod!, context.Limits);
        var status = migration.Status!;
        var (source, target) = (Agent(status.Source?.Node), Agent(status.Target?.Node));
        if (target is null)
        {
            return await FailAsync(context, MigrationPhase.Failed, "TargetNodeNotFound", $"target node {status.Target?.Node} does not exist or has no agent endpoint", cancellationToken);
        }

        if (source is null)
        {
            return await FailAsync(context, MigrationPhase.Failed, "SourceNodeNotFound", $"source node {status.Source?.Node} does not exist or has no agent endpoint", cancellationToken);
        }

        if (cancelRequested)
        {
            // Nothing has moved yet, or the source agent says so below: cancel on both ends (idempotent).
            return await CancelTransferAsync(context, source, target, "the SuperPodMigration was deleted", cancellationToken);
        }

        if (!IsReady(target.Node))
        {
            return await FailAsync(context, MigrationPhase.Failed, "TargetNodeNotReady", $"target node {target.Name} is not Ready", cancellationToken);
        }

        if (SuperPodController.BuildSpec(pod, context.VmId) is not { } spec)
        {
            return await FailAsync(context, MigrationPhase.Failed, "InvalidSpec", "the SuperPod's images are not resolved to digests (status.images): it has not run yet", cancellationToken);
        }

        // A fresh token per attempt: only the attempt that prepared the target can connect, and a repeated step replaces it.
        var token = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(TokenBytes));
        var agentOptions = new V1.MigrationOptions
        {
            BandwidthBytesPerSecond = limits.BandwidthBytesPerSecond,
            MaxDowntimeMs = (int)Math.Clamp(limits.MaxDowntime.TotalMilliseconds, 1, int.MaxValue),
            AllowAutoConverge = limits.AllowAutoConverge,
            AllowPostCopy = limits.AllowPostCopy,
        };
        V1.MigrationStatus started;
        try
        {
            await PrepareTargetAsync(context, target, spec, source.Name, token, agentOptions, cancellationToken);
            started = await source.Client.StartMigrationSourceAsync(new V1.StartMigrationSourceRequest
            {
                MigrationId = context.Id, VmId = context.VmId, Token = token, TargetNode = target.Name,
                TargetEndpoint = target.Node.Spec.AgentEndpoint, Options = agentOptions,
            }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (AgentClientFactory.IsUnreachable(e))
        {
            return await UnreachableBeforeSwitchAsync(context, e, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.ResourceExhausted)
        {
            return await FailAsync(context, MigrationPhase.Failed, "TargetFull", e.Status.Detail, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.AlreadyExists && Now - Utc(status.StartTime ?? Now) < options.AgentUnreachableTimeout)
        {
            // The copy an earlier migration left on the target is still being removed (its clean-up runs after it ended).
            await NoteAsync(migration, $"a copy of the VM on {target.Name} is still being removed ({e.Status.Detail}); preparing the target again", cancellationToken);
            return Step.Wait(ReconcileResult.After(options.PendingRequeue));
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.Unimplemented)
        {
            return await FailAsync(context, MigrationPhase.Failed, "AgentRefused", e.Status.Detail, cancellationToken);
        }

        if (started.Phase is V1.MigrationPhase.Failed or V1.MigrationPhase.Cancelled)
        {
            return await FailAsync(context, MigrationPhase.Failed, Reason(started.FailureReason, "SourceStartFailed"), started.Message, cancellationToken);
        }

        await events.NormalAsync(migration, "MigrationStarted", $"Transferring SuperPod {context.PodKey} from {source.Name} to {target.Name}", cancellationToken);
        failpoints.Hit(BeforePhaseFailpoint, nameof(MigrationPhase.Transferring));
        var written = await WriteAsync(migration, m =>
        {
            var s = m.Status!;
            s.Phase = MigrationPhase.Transferring;
            s.Message = $"copying memory from {source.Name} to {target.Name} while the SuperPod runs";
            s.Progress ??= new MigrationProgress();
            s.Progress.LastProgressTime ??= Now;
            SetProgressCondition(s, "Transferring", s.Message);
            return true;
        }, cancellationToken);
        await MirrorPhaseAsync(context, MigrationPhase.Transferring, cancellationToken);
        return Step.Next(written);
    }

    private async Task PrepareTargetAsync(
        MigrationContext context, AgentTarget target, V1.VmSpec spec, string sourceNode, ByteString token, V1.MigrationOptions agentOptions, CancellationToken cancellationToken)
    {
        var request = new V1.PrepareMigrationTargetRequest { MigrationId = context.Id, Token = token, Spec = spec, SourceNode = sourceNode, Options = agentOptions };
        try
        {
            await target.Client.PrepareMigrationTargetAsync(request, deadline: agents.Deadline(), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.AlreadyExists or StatusCode.FailedPrecondition)
        {
            // A copy of this VM is left on the target by an earlier, failed migration to it: remove it unless it runs.
            var vm = await target.Client.GetVmAsync(new V1.VmRequest { Id = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
            if (vm.State == V1.VmState.Running)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition,
                    $"VM {context.VmId} already runs on {target.Name}; refusing to start a second copy there"));
            }

            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Migration {Key}: removing the leftover VM {Vm} ({State}) from target {Node}", ObjectKey.From(context.Migration), context.VmId, vm.State, target.Name);
            }

            await IgnoreNotFoundAsync(target.Client.DeleteVmAsync(new V1.VmRequest { Id = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
            await target.Client.PrepareMigrationTargetAsync(request, deadline: agents.Deadline(), cancellationToken: cancellationToken);
        }
    }

    private async Task<Step> TransferAsync(MigrationContext context, bool cancelRequested, CancellationToken cancellationToken)
    {
        var (migration, limits) = (context.Migration, context.Limits);
        var status = migration.Status!;
        var (source, target) = (Agent(status.Source?.Node), Agent(status.Target?.Node));
        if (source is null || target is null || context.Pod is null)
        {
            return await ResolveWithoutSourceAsync(context, target, "the source node, the target node or the SuperPod no longer exists", cancellationToken);
        }

        V1.MigrationStatus view;
        try
        {
            view = await source.Client.GetMigrationAsync(new V1.MigrationRequest { MigrationId = context.Id, VmId = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (AgentClientFactory.IsUnreachable(e) || e.StatusCode == StatusCode.NotFound)
        {
            var since = status.Progress?.LastProgressTime ?? status.StartTime ?? Now;
            if (Now - Utc(since) < limits.ProgressTimeout)
            {
                await NoteAsync(migration, $"the source agent of {source.Name} does not answer ({e.StatusCode}); waiting up to the progress timeout", cancellationToken);
                return Step.Wait(ReconcileResult.After(options.ProgressInterval));
            }

            return await ResolveWithoutSourceAsync(context, target, $"the source agent of {source.Name} did not answer for {GoDuration.Format(limits.ProgressTimeout)}: {e.Status.Detail}", cancellationToken);
        }

        switch (view.Phase)
        {
            case V1.MigrationPhase.Completed or V1.MigrationPhase.Switched:
                return await BeginSwitchAsync(context, view, cancellationToken);
            case V1.MigrationPhase.Failed or V1.MigrationPhase.Cancelled when cancelRequested:
                return await FailAsync(context, MigrationPhase.Cancelled, "Cancelled", view.Message, cancellationToken);
            case V1.MigrationPhase.Failed or V1.MigrationPhase.Cancelled:
                var (reason, message) = await RootCauseAsync(context, target, view, cancellationToken);
                return await FailAsync(context, MigrationPhase.Failed, reason, message, cancellationToken);
            case V1.MigrationPhase.Unknown:
                // The source agent restarted: its relay died with it, so QEMU's transfer ended one way or the other.
                if (view.HypervisorStatus == "completed")
                {
                    return await BeginSwitchAsync(context, view, cancellationToken);
                }

                if (view.Vm?.State == V1.VmState.Running)
                {
                    return await FailAsync(context, MigrationPhase.Failed, "SourceAgentRestarted",
                        $"the agent of {source.Name} restarted during the transfer (QEMU reports the migration {view.HypervisorStatus}); the SuperPod kept running there", cancellationToken);
                }

                return Step.Wait(ReconcileResult.After(options.ProgressInterval));
        }

        if (cancelRequested && view.Phase == V1.MigrationPhase.Transferring)
        {
            return await CancelTransferAsync(context, source, target, "the SuperPodMigration was deleted", cancellationToken);
        }

        if (context.Pod.Metadata.DeletionTimestamp is not null && view.Phase == V1.MigrationPhase.Transferring)
        {
            return await CancelTransferAsync(context, source, target, $"SuperPod {context.PodKey} is being deleted", cancellationToken, MigrationPhase.Failed, "SuperPodDeleted");
        }

        var postCopy = view.Phase == V1.MigrationPhase.PostCopy;
        // Disks are mirrored before memory is copied: their bytes are progress too.
        var sent = view.BytesTransferred + view.DiskBytesTransferred;
        var progressed = sent > (status.Progress?.BytesSent ?? -1);
        var lastProgress = progressed ? Now : Utc(status.Progress?.LastProgressTime ?? status.StartTime ?? Now);
        var memory = context.Pod.Spec.Resources.Memory.ToDecimal();
        var elapsed = Now - Utc(status.StartTime ?? Now);
        if (!postCopy && elapsed > limits.CompletionTimeout((long)memory + view.DiskBytesTransferred + view.DiskBytesRemaining))
        {
            if (limits.AllowPostCopy)
            {
                return await StartPostCopyAsync(context, source, view, cancellationToken);
            }

            return await CancelTransferAsync(context, source, target,
                $"pre-copy did not converge within the completion timeout of {GoDuration.Format(limits.CompletionTimeout((long)memory))} ({GoDuration.Format(limits.CompletionTimeoutPerGiB)} per GiB); post-copy is not allowed",
                cancellationToken, MigrationPhase.Failed, "CompletionTimeout");
        }

        if (!postCopy && Now - lastProgress > limits.ProgressTimeout)
        {
            return await CancelTransferAsync(context, source, target,
                $"no progress for {GoDuration.Format(limits.ProgressTimeout)} (stuck at {view.BytesTransferred} bytes sent)", cancellationToken, MigrationPhase.Failed, "ProgressTimeout");
        }

        await WriteAsync(migration, m =>
        {
            var p = m.Status!.Progress ??= new MigrationProgress();
            var changed = p.BytesSent != sent || p.BytesRemaining != view.BytesRemaining + view.DiskBytesRemaining || p.Iterations != view.Iterations
                || p.DirtyRateBytesPerSecond != view.DirtyRateBytesPerSecond || p.CpuThrottlePercent != view.CpuThrottlePercent || (p.PostCopy ?? false) != postCopy;
            p.BytesSent = sent;
            p.BytesRemaining = view.BytesRemaining + view.DiskBytesRemaining;
            p.DirtyRateBytesPerSecond = view.DirtyRateBytesPerSecond;
            p.Iterations = view.Iterations;
            p.CpuThrottlePercent = view.CpuThrottlePercent;
            p.PostCopy = postCopy ? true : p.PostCopy;
            if (progressed)
            {
                p.LastProgressTime = Now;
            }

            return changed;
        }, cancellationToken);
        return Step.Wait(ReconcileResult.After(options.ProgressInterval));
    }

    private async Task<Step> StartPostCopyAsync(MigrationContext context, AgentTarget source, V1.MigrationStatus view, CancellationToken cancellationToken)
    {
        try
        {
            await source.Client.StartPostCopyAsync(new V1.MigrationRequest { MigrationId = context.Id, VmId = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition)
        {
            // The transfer completed or failed meanwhile; the next look tells which.
            return Step.Wait(ReconcileResult.After(options.ProgressInterval));
        }

        var message = $"pre-copy did not converge within the completion timeout ({view.BytesRemaining} bytes still dirty); switched to post-copy";
        await events.NormalAsync(context.Migration, "PostCopy", message, cancellationToken);
        await WriteAsync(context.Migration, m =>
        {
            var p = m.Status!.Progress ??= new MigrationProgress();
            p.PostCopy = true;
            m.Status.Message = message;
            return true;
        }, cancellationToken);
        return Step.Wait(ReconcileResult.After(options.ProgressInterval));
    }

    private async Task<Step> BeginSwitchAsync(MigrationContext context, V1.MigrationStatus view, CancellationToken cancellationToken)
    {
        failpoints.Hit(BeforePhaseFailpoint, nameof(MigrationPhase.Switching));
        var written = await WriteAsync(context.Migration, m =>
        {
            var s = m.Status!;
            s.Phase = MigrationPhase.Switching;
            s.Message = $"the transfer completed; switching the SuperPod over to {s.Target?.Node}";
            var p = s.Progress ??= new MigrationProgress();
            p.BytesSent = Math.Max(p.BytesSent ?? 0, view.BytesTransferred);
            p.BytesRemaining = 0;
            SetProgressCondition(s, "Switching", s.Message);
            return true;
        }, cancellationToken);
        await MirrorPhaseAsync(context, MigrationPhase.Switching, cancellationToken);
        return Step.Next(written);
    }

    // Past this point the source's VM is paused for good (its transfer completed): the SuperPod lives on the target, or,
    // if the target lost it, the source is resumed. Nothing here resumes anything that might run elsewhere.
    private async Task<Step> SwitchAsync(MigrationContext context, CancellationToken cancellationToken)
    {
        var migration = context.Migration;
        var status = migration.Status!;
        var (source, target) = (Agent(status.Source?.Node), Agent(status.Target?.Node));
        if (context.Pod is null)
        {
            return await FailAsync(context, MigrationPhase.Failed, "SuperPodNotFound", $"SuperPod {context.PodKey} disappeared during the switch-over", cancellationToken);
        }

        var moved = context.Pod.Status?.Node == status.Target?.Node;
        if (!moved)
        {
            if (target is null)
            {
                return await RollBackAsync(context, source, $"the target node {status.Target?.Node} no longer exists", cancellationToken);
            }

            V1.MigrationStatus targetView;
            try
            {
                targetView = await target.Client.GetMigrationAsync(new V1.MigrationRequest { MigrationId = context.Id, VmId = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
                if (targetView.Vm?.State == V1.VmState.Paused && targetView.Phase != V1.MigrationPhase.Switched)
                {
                    // The source completed, so its copy never runs again: the target may resume (the switch-over message was lost).
                    targetView = await target.Client.CompleteMigrationTargetAsync(new V1.MigrationRequest { MigrationId = context.Id, VmId = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return await RollBackAsync(context, source, $"the target agent of {target.Name} has neither the migration nor the VM", cancellationToken);
            }
            catch (RpcException e) when (AgentClientFactory.IsUnreachable(e))
            {
                if (IsFenced(target.Node))
                {
                    return await RollBackAsync(context, source, $"the target node {target.Name} is unreachable and fenced", cancellationToken);
                }

                // It may run the VM: never resume the source while that cannot be ruled out.
                await NoteAsync(migration, $"waiting for the target agent of {target.Name} ({e.StatusCode}) to confirm the VM runs there; the source copy stays paused", cancellationToken);
                return Step.Wait(new ReconcileResult(Requeue: true));
            }

            if (targetView.Vm?.State != V1.VmState.Running)
            {
                return await RollBackAsync(context, source, $"the target's VM is {targetView.Vm?.State.ToString() ?? "gone"} after the transfer: {targetView.Message}", cancellationToken);
            }

            // Ownership moves in the API: only while this migration still holds the SuperPod, at the version read.
            var written = await podStatus.UpdateAsync(context.PodKey, p =>
            {
                if (p.Status?.Migration?.Name != migration.Metadata.Name)
                {
                    return false;
                }

                p.Status.Node = status.Target!.Node;
                p.Status.Cluster = status.Target.Cluster;
                p.Status.Cloud = status.Target.Cloud;
                p.Status.Region = status.Target.Region;
                p.Status.Phase = SuperPodPhase.Running;
                p.Status.Migration.Phase = MigrationPhase.Switching;
                p.Status.Conditions ??= [];
                Conditions.Set(p.Status.Conditions, new k8s.Models.V1Condition
                {
                    Type = ConditionTypes.Ready, Status = "True", Reason = SuperPodController.RunningReason,
                    Message = $"VM {context.VmId} runs on node {status.Target.Node}", ObservedGeneration = p.Metadata.Generation,
                }, timeProvider);
                return true;
            }, cancellationToken);
            if (written?.Status?.Node != status.Target?.Node)
            {
                return Step.Wait(new ReconcileResult(Requeue: true));
            }

            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("SuperPod {Pod} now runs on {Target} (migration {Key})", context.PodKey, status.Target!.Node, ObjectKey.From(migration));
            }
        }

        // The summary comes from the source agent, which measured the pause on its own clock; then its copy goes.
        var record = await SummaryAsync(context, source, cancellationToken);
        failpoints.Hit(BeforePhaseFailpoint, nameof(MigrationPhase.Succeeded));
        if (source is not null)
        {
            try
            {
                await IgnoreNotFoundAsync(source.Client.DeleteVmAsync(new V1.VmRequest { Id = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
            }
            catch (RpcException e) when (AgentClientFactory.IsUnreachable(e))
            {
                await NoteAsync(migration, $"the SuperPod runs on {status.Target?.Node}; waiting to delete the paused copy on {source.Name} ({e.StatusCode})", cancellationToken);
                return Step.Wait(new ReconcileResult(Requeue: true));
            }
        }

        return await SucceedAsync(context, record, cancellationToken);
    }

    private async Task<TransferSummary> SummaryAsync(MigrationContext context, AgentTarget? source, CancellationToken cancellationToken)
    {
        var status = context.Migration.Status!;
        if (source is not null)
        {
            try
            {
                var view = await source.Client.GetMigrationAsync(new V1.MigrationRequest { MigrationId = context.Id, VmId = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
                TimeSpan? downtime = view.SourceStoppedAt is { } stopped && view.ResumeAcknowledgedAt is { } acknowledged
                    ? acknowledged.ToDateTime() - stopped.ToDateTime()
                    : view.SourceStoppedAt is { } s && view.TargetResumedAt is { } r ? r.ToDateTime() - s.ToDateTime()
                    : view.HypervisorDowntimeMs > 0 ? TimeSpan.FromMilliseconds(view.HypervisorDowntimeMs) : null;
                return new TransferSummary(Math.Max(view.BytesTransferred, status.Progress?.BytesSent ?? 0), downtime);
            }
            catch (RpcException e) when (AgentClientFactory.IsUnreachable(e) || e.StatusCode == StatusCode.NotFound)
            {
                // The summary is a nicety; the switch-over is not held up for it.
            }
        }

        return new TransferSummary(status.Progress?.BytesSent ?? 0, null);
    }

    // The agents' reasons for a relay whose connection to the peer broke, whose local stream broke (on the source
    // also when the relay was torn down under it), and for a source that went away.
    private const string ConnectionLostReason = "ConnectionLost";
    private const string HypervisorStreamReason = "HypervisorStreamFailed";
    private const string SourceClosedReason = "SourceClosed";

    // A source that only saw its connection or stream break does not know why; the target may (its digest check
    // failed, its hypervisor rejected the state or died), and its reason is the one a user can act on.
    private async Task<(string Reason, string Message)> RootCauseAsync(MigrationContext context, AgentTarget target, V1.MigrationStatus view, CancellationToken cancellationToken)
    {
        var reason = Reason(view.FailureReason, "TransferFailed");
        if (reason is not (ConnectionLostReason or HypervisorStreamReason))
        {
            return (reason, view.Message);
        }

        try
        {
            var verdict = await target.Client.GetMigrationAsync(new V1.MigrationRequest { MigrationId = context.Id, VmId = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
            if (verdict.Phase == V1.MigrationPhase.Failed && verdict.FailureReason is { Length: > 0 } targetReason && targetReason is not (ConnectionLostReason or SourceClosedReason))
            {
                return (verdict.FailureReason, $"the target {target.Name} failed the transfer: {verdict.Message} (the source saw: {view.Message})");
            }
        }
        catch (RpcException e) when (AgentClientFactory.IsUnreachable(e) || e.StatusCode == StatusCode.NotFound)
        {
            // The target is gone or never heard of it: the source's view is all there is.
        }

        return (reason, view.Message);
    }

    // Cancels the transfer on the source (its VM keeps running) and fails or cancels the migration; the target's VM is
    // removed by the clean-up after it. A source that already completed cannot be cancelled: the switch-over goes on.
    private async Task<Step> CancelTransferAsync(
        MigrationContext context, AgentTarget source, AgentTarget? target, string message, CancellationToken cancellationToken,
        MigrationPhase phase = MigrationPhase.Cancelled, string reason = "Cancelled")
    {
        try
        {
            var view = await source.Client.CancelMigrationAsync(new V1.MigrationRequest { MigrationId = context.Id, VmId = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
            if (view.Phase is V1.MigrationPhase.Completed or V1.MigrationPhase.Switched)
            {
                return await BeginSwitchAsync(context, view, cancellationToken);
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Migration {Key} could not be cancelled ({Detail}); completing the switch-over", ObjectKey.From(context.Migration), e.Status.Detail);
            }

            return await BeginSwitchAsync(context, new V1.MigrationStatus(), cancellationToken);
        }
        catch (RpcException e) when (AgentClientFactory.IsUnreachable(e) || e.StatusCode == StatusCode.NotFound)
        {
            // Without the source agent the target is dropped instead: the relay breaks and QEMU on the source resumes.
            return await ResolveWithoutSourceAsync(context, target, $"{message}; the source agent did not answer the cancel ({e.StatusCode})", cancellationToken, phase, reason);
        }

        return await FailAsync(context, phase, reason, message, cancellationToken);
    }

    // The source agent cannot tell how the transfer ended: the target decides. A target that runs the VM means the
    // transfer completed (and the source paused for good); otherwise its VM is dropped, which ends the transfer, and the
    // migration fails with the SuperPod left on the source.
    private async Task<Step> ResolveWithoutSourceAsync(
        MigrationContext context, AgentTarget? target, string message, CancellationToken cancellationToken,
        MigrationPhase phase = MigrationPhase.Failed, string reason = "SourceUnreachable")
    {
        if (target is not null)
        {
            try
            {
                await target.Client.CancelMigrationAsync(new V1.MigrationRequest { MigrationId = context.Id, VmId = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                // The target refuses: it switched over, so the VM runs there.
                return await BeginSwitchAsync(context, new V1.MigrationStatus(), cancellationToken);
            }
            catch (RpcException e) when (AgentClientFactory.IsUnreachable(e) || e.StatusCode == StatusCode.NotFound)
            {
                // Neither agent answers: the clean-up after the failure retries the target.
            }
        }

        return await FailAsync(context, phase, reason, message, cancellationToken);
    }

    private async Task<Step> UnreachableBeforeSwitchAsync(MigrationContext context, RpcException error, CancellationToken cancellationToken)
    {
        var started = Utc(context.Migration.Status?.StartTime ?? Now);
        if (Now - started < options.AgentUnreachableTimeout)
        {
            await NoteAsync(context.Migration, $"an agent does not answer ({error.StatusCode}: {error.Status.Detail}); retrying", cancellationToken);
            return Step.Wait(new ReconcileResult(Requeue: true));
        }

        var status = context.Migration.Status!;
        return await ResolveWithoutSourceAsync(context, Agent(status.Target?.Node),
            $"an agent did not answer for {GoDuration.Format(options.AgentUnreachableTimeout)}: {error.Status.Detail}", cancellationToken, MigrationPhase.Failed, "AgentUnreachable");
    }

    // The target lost the VM after a completed transfer: the source's paused copy is the SuperPod, so it resumes there.
    private async Task<Step> RollBackAsync(MigrationContext context, AgentTarget? source, string why, CancellationToken cancellationToken)
    {
        if (source is null)
        {
            return await FailAsync(context, MigrationPhase.Failed, "SuperPodLost", $"{why}, and the source node is gone too", cancellationToken);
        }

        try
        {
            var target = Agent(context.Migration.Status?.Target?.Node);
            if (target is not null)
            {
                await IgnoreNotFoundAsync(target.Client.DeleteVmAsync(new V1.VmRequest { Id = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
            }

            await source.Client.RollBackMigrationSourceAsync(new V1.MigrationRequest { MigrationId = context.Id, VmId = context.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (AgentClientFactory.IsUnreachable(e))
        {
            await NoteAsync(context.Migration, $"{why}; waiting to resume the SuperPod on {source.Name} ({e.StatusCode})", cancellationToken);
            return Step.Wait(new ReconcileResult(Requeue: true));
        }

        await events.WarningAsync(context.Migration, "RolledBack", $"{why}; SuperPod {context.PodKey} resumed on {source.Name}", cancellationToken);
        return await FailAsync(context, MigrationPhase.Failed, "TargetLostAfterTransfer", $"{why}; the SuperPod was resumed on {source.Name}", cancellationToken);
    }

    private AgentTarget? Agent(string? nodeName)
    {
        if (string.IsNullOrEmpty(nodeName) || nodes.Cache.Get(new ObjectKey(null, nodeName)) is not { } node || string.IsNullOrEmpty(node.Spec?.AgentEndpoint))
        {
            return null;
        }

        return new AgentTarget(nodeName, node, agents.Client(node));
    }

    private static bool IsReady(SuperNode node) => node.Status?.Phase == SuperNodePhase.Ready;

    private static bool IsFenced(SuperNode node) =>
        node.Metadata.Annotations?.TryGetValue(NodeHealthOptions.FencedAnnotation, out var fenced) == true
        && string.Equals(fenced, "true", StringComparison.OrdinalIgnoreCase);

    private static string Reason(string? reason, string fallback) => string.IsNullOrEmpty(reason) ? fallback : reason;

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);

    private static async Task IgnoreNotFoundAsync<T>(Task<T> call)
    {
        try
        {
            await call;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Already gone.
        }
    }

    /// <summary>A node's agent, as reached from the operator.</summary>
    private sealed record AgentTarget(string Name, SuperNode Node, V1.NodeAgent.NodeAgentClient Client);

    /// <summary>What the summary of a finished transfer says: bytes sent and the measured pause.</summary>
    private sealed record TransferSummary(long BytesTransferred, TimeSpan? Downtime);
}
