using Grpc.Core;
using k8s.Models;
using SuperCloud.Crds;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Migrations;

/// <summary>How migrations end: success, failure or cancellation, the clean-up after them, and the status helpers.</summary>
public sealed partial class SuperPodMigrationReconciler
{
    /// <summary>Condition type of a failed or cancelled migration: False until the target's copy is gone.</summary>
    public const string TargetCleanedUp = "TargetCleanedUp";

    private async Task<Step> FailAsync(MigrationContext context, MigrationPhase phase, string reason, string message, CancellationToken cancellationToken)
    {
        var migration = context.Migration;
        var written = await WriteAsync(migration, m =>
        {
            var s = m.Status ??= new SuperPodMigrationStatus();
            s.Phase = phase;
            s.FailureReason = reason;
            s.Message = message;
            s.CompletionTime = Now;
            s.TotalTime = s.StartTime is { } start ? GoDuration.Format(Now - Utc(start)) : null;
            s.Conditions ??= [];
            Conditions.Set(s.Conditions, new V1Condition { Type = ConditionTypes.Ready, Status = "True", Reason = phase.ToString(), Message = message }, timeProvider);
            Conditions.Set(s.Conditions, new V1Condition { Type = ConditionTypes.Failed, Status = "True", Reason = reason, Message = message }, timeProvider);
            return true;
        }, cancellationToken);
        ForgetAdmission(ObjectKey.From(migration));
        metrics.Finished.WithLabels(phase.ToString(), reason).Inc();
        logger.LogWarning("Migration {Key} of SuperPod {Pod} {Phase}: {Reason}: {Message}", ObjectKey.From(migration), context.PodKey, phase, reason, message);
        if (phase == MigrationPhase.Cancelled)
        {
            await events.NormalAsync(migration, "MigrationCancelled", message, cancellationToken);
        }
        else
        {
            await events.WarningAsync(migration, "MigrationFailed", $"{reason}: {message}", cancellationToken);
        }

        return Step.Next(written);
    }

    private async Task<Step> SucceedAsync(MigrationContext context, TransferSummary summary, CancellationToken cancellationToken)
    {
        var migration = context.Migration;
        var status = migration.Status!;
        var total = Now - Utc(status.StartTime ?? Now);
        var message = $"SuperPod {context.PodKey} moved from {status.Source?.Node} to {status.Target?.Node} in {GoDuration.Format(total)}"
            + (summary.Downtime is { } d ? $", paused for {GoDuration.Format(d)}" : "") + $", {summary.BytesTransferred} bytes sent";
        var written = await WriteAsync(migration, m =>
        {
            var s = m.Status!;
            s.Phase = MigrationPhase.Succeeded;
            s.CompletionTime = Now;
            s.TotalTime = GoDuration.Format(total);
            s.Downtime = summary.Downtime is { } downtime ? GoDuration.Format(downtime) : null;
            s.Message = message;
            var p = s.Progress ??= new MigrationProgress();
            p.BytesSent = summary.BytesTransferred;
            p.BytesRemaining = 0;
            s.Conditions ??= [];
            Conditions.Set(s.Conditions, new V1Condition { Type = ConditionTypes.Ready, Status = "True", Reason = nameof(MigrationPhase.Succeeded), Message = message }, timeProvider);
            Conditions.Set(s.Conditions, new V1Condition { Type = ConditionTypes.Succeeded, Status = "True", Reason = "Migrated", Message = message }, timeProvider);
            return true;
        }, cancellationToken);
        ForgetAdmission(ObjectKey.From(migration));
        metrics.Finished.WithLabels(nameof(MigrationPhase.Succeeded), "Migrated").Inc();
        metrics.Duration.Observe(total.TotalSeconds);
        metrics.Bytes.Inc(summary.BytesTransferred);
        if (summary.Downtime is { } pause)
        {
            metrics.Downtime.Observe(pause.TotalSeconds);
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Migration {Key}: {Message}", ObjectKey.From(migration), message);
        }

        await events.NormalAsync(migration, "Migrated", message, cancellationToken);
        if (context.Pod is { } pod)
        {
            await events.NormalAsync(pod, "Migrated", message, cancellationToken);
        }

        return Step.Next(written);
    }

    // After a migration ended: drop the target's copy (failed or cancelled), make sure the SuperPod runs where it is —
    // only while this migration still holds it, because afterwards another migration may own the VM — release the
    // SuperPod, then let the migration go. Each part is repeated until it holds, and never again after that.
    private async Task<ReconcileResult> AfterFinishAsync(SuperPodMigration migration, CancellationToken cancellationToken)
    {
        var context = Context(migration);
        var status = migration.Status!;
        var cleaned = true;
        if (status.Phase is MigrationPhase.Failed or MigrationPhase.Cancelled && context.Pod is { } pod
            && (pod.Status?.Migration?.Name == migration.Metadata.Name || !Conditions.IsTrue(status.Conditions, TargetCleanedUp)))
        {
            cleaned = await CleanUpAfterFailureAsync(context, pod, cancellationToken);
        }

        // The SuperPod is released even when an agent could not be reached: it runs (or is reported) where it is recorded.
        await ReleaseAsync(context, cancellationToken);
        if (!cleaned && migration.Metadata.DeletionTimestamp is null)
        {
            return new ReconcileResult(Requeue: true);
        }

        if (!cleaned)
        {
            // Deleted by a user: not held up by a dead target. A later migration to that node removes a leftover copy.
            await events.WarningAsync(migration, "TargetNotCleanedUp", $"the copy on {status.Target?.Node} could not be removed (agent unreachable); a later migration to that node removes it", cancellationToken);
        }

        if (Finalizers.Has(migration, Finalizer))
        {
            try
            {
                await Finalizers.RemoveAsync(client, migration, Finalizer, cancellationToken);
            }
            catch (KubernetesApiException e) when (e.IsNotFound)
            {
                // Already gone.
            }
        }

        return ReconcileResult.Done;
    }

    private async Task<bool> CleanUpAfterFailureAsync(MigrationContext context, SuperPod pod, CancellationToken cancellationToken)
    {
        var status = context.Migration.Status!;
        var vmId = SuperPodController.VmId(pod);
        var holds = pod.Status?.Migration?.Name == context.Migration.Metadata.Name;

        // A later migration of the SuperPod to the same node owns whatever copy is there now.
        var targetTaken = pod.Status?.Migration is { } other && !holds && other.TargetNode == status.Target?.Node;
        var target = !targetTaken && status.Target?.Node is { Length: > 0 } t && t != pod.Status?.Node ? Agent(t) : null;
        try
        {
            if (target is not null)
            {
                await IgnoreNotFoundAsync(target.Client.CancelMigrationAsync(new V1.MigrationRequest { MigrationId = context.Id, VmId = vmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
                V1.Vm? vm = null;
                try
                {
                    vm = await target.Client.GetVmAsync(new V1.VmRequest { Id = vmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    // Nothing left there.
                }

                if (vm?.State == V1.VmState.Running)
                {
                    // A running copy on the target while the SuperPod is recorded elsewhere must be looked at by a person.
                    await events.WarningAsync(context.Migration, "TargetRunning", $"VM {vmId} runs on {target.Name} although the migration {status.Phase}; it is left alone", cancellationToken);
                }
                else if (vm is not null)
                {
                    await IgnoreNotFoundAsync(target.Client.DeleteVmAsync(new V1.VmRequest { Id = vmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
                }
            }

            // The SuperPod must run where it is recorded: QEMU resumes a source whose transfer failed, but check.
            if (holds && Agent(pod.Status?.Node) is { } home)
            {
                try
                {
                    var vm = await home.Client.GetVmAsync(new V1.VmRequest { Id = vmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
                    if (vm.State == V1.VmState.Paused)
                    {
                        var resumed = vm.Reason == "MigratedOut"
                            ? await home.Client.RollBackMigrationSourceAsync(new V1.MigrationRequest { MigrationId = context.Id, VmId = vmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken)
                            : null;
                        if (resumed is null)
                        {
                            await home.Client.ResumeVmAsync(new V1.VmRequest { Id = vmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
                        }
                    }
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
                {
                    // Not there or not resumable: the SuperPod controller reports the VM's state.
                }
            }
        }
        catch (RpcException e) when (AgentClientFactory.IsUnreachable(e))
        {
            await WriteAsync(context.Migration, m => Conditions.Set(m.Status!.Conditions ??= [], new V1Condition
            {
                Type = TargetCleanedUp, Status = "False", Reason = "AgentUnreachable",
                Message = $"waiting for an agent ({e.StatusCode}) to remove the target's copy and confirm the source runs",
            }, timeProvider), cancellationToken);
            return false;
        }

        await WriteAsync(context.Migration, m => Conditions.Set(m.Status!.Conditions ??= [], new V1Condition
        {
            Type = TargetCleanedUp, Status = "True", Reason = target is null ? "NothingToRemove" : "Deleted",
            Message = target is null ? "no copy was left on a target" : $"the copy on {target.Name} was removed",
        }, timeProvider), cancellationToken);
        return true;
    }

    // Releases the SuperPod's lock and leaves a summary of the migration on it.
    private async Task ReleaseAsync(MigrationContext context, CancellationToken cancellationToken)
    {
        var migration = context.Migration;
        var status = migration.Status!;
        if (context.Pod?.Status?.Migration?.Name != migration.Metadata.Name
            && context.Pod?.Status?.LastMigration?.Name == migration.Metadata.Name)
        {
            return;
        }

        var succeeded = status.Phase == MigrationPhase.Succeeded;
        await podStatus.UpdateAsync(context.PodKey, p =>
        {
            var s = p.Status ??= new SuperPodStatus();
            var holds = s.Migration?.Name == migration.Metadata.Name;
            var recorded = s.LastMigration?.Name == migration.Metadata.Name;
            if (!holds && recorded)
            {
                return false;
            }

            if (holds)
            {
                s.Migration = null;
            }

            s.LastMigration = new MigrationRecord
            {
                Name = migration.Metadata.Name,
                Phase = status.Phase,
                Reason = migration.Spec.Reason,
                From = status.Source,
                To = succeeded ? status.Target : status.Source,
                StartTime = status.StartTime,
                CompletionTime = status.CompletionTime,
                TotalTime = status.TotalTime,
                Downtime = status.Downtime,
                BytesTransferred = status.Progress?.BytesSent,
                FailureReason = status.FailureReason,
            };
            if (holds)
            {
                s.Conditions ??= [];
                Conditions.Set(s.Conditions, new V1Condition
                {
                    Type = ConditionTypes.Migrating, Status = "False", Reason = status.Phase.ToString(),
                    Message = status.Message ?? $"SuperPodMigration {migration.Metadata.Name} {status.Phase}",
                }, timeProvider);
            }

            return true;
        }, cancellationToken);
    }

    private async Task<ReconcileResult> FinalizeAsync(SuperPodMigration migration, CancellationToken cancellationToken)
    {
        if (!Finalizers.Has(migration, Finalizer))
        {
            return ReconcileResult.Done;
        }

        return IsFinished(migration.Status?.Phase)
            ? await AfterFinishAsync(migration, cancellationToken)
            : await AdvanceAsync(migration, cancelRequested: true, cancellationToken);
    }

    private async Task<Step> WaitAsync(MigrationContext context, string reason, string message, CancellationToken cancellationToken)
    {
        await WriteAsync(context.Migration, m =>
        {
            var s = m.Status ??= new SuperPodMigrationStatus();
            var changed = s.Phase != MigrationPhase.Pending || s.Message != message;
            s.Phase = MigrationPhase.Pending;
            s.Message = message;
            changed |= SetProgressCondition(s, reason, message);
            return changed;
        }, cancellationToken);
        return Step.Wait(ReconcileResult.After(options.PendingRequeue));
    }

    private Task<SuperPodMigration?> NoteAsync(SuperPodMigration migration, string message, CancellationToken cancellationToken) =>
        WriteAsync(migration, m =>
        {
            if (m.Status is null || m.Status.Message == message)
            {
                return false;
            }

            m.Status.Message = message;
            return true;
        }, cancellationToken);

    private Task<SuperPodMigration?> WriteAsync(SuperPodMigration migration, Func<SuperPodMigration, bool> mutate, CancellationToken cancellationToken) =>
        migrationStatus.UpdateAsync(ObjectKey.From(migration), mutate, cancellationToken);

    // The Ready condition of a migration in progress: False, with the phase (or what it waits for) as the reason.
    private bool SetProgressCondition(SuperPodMigrationStatus status, string reason, string message)
    {
        status.Conditions ??= [];
        return Conditions.Set(status.Conditions, new V1Condition { Type = ConditionTypes.Ready, Status = "False", Reason = reason, Message = message }, timeProvider);
    }

    private Task<SuperPod?> MirrorPhaseAsync(MigrationContext context, MigrationPhase phase, CancellationToken cancellationToken) =>
        podStatus.UpdateAsync(context.PodKey, p =>
        {
            if (p.Status?.Migration?.Name != context.Migration.Metadata.Name || p.Status.Migration.Phase == phase)
            {
                return false;
            }

            p.Status.Migration.Phase = phase;
            return true;
        }, cancellationToken);

    // Before the switch-over the migration needs its SuperPod, still locked by it.
    private async Task<Step?> LockLostAsync(MigrationContext context, CancellationToken cancellationToken)
    {
        var pod = context.Pod;
        if (pod is null)
        {
            return await FailAsync(context, MigrationPhase.Failed, "SuperPodNotFound", $"SuperPod {context.PodKey} no longer exists", cancellationToken);
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return await FailAsync(context, MigrationPhase.Failed, "SuperPodDeleted", $"SuperPod {context.PodKey} is being deleted", cancellationToken);
        }

        if (pod.Status?.Migration?.Name != context.Migration.Metadata.Name)
        {
            // The cache may lag behind the lock this migration wrote a moment ago: ask the API server.
            pod = await podClient.GetAsync(context.PodKey, cancellationToken);
            if (pod?.Status?.Migration?.Name != context.Migration.Metadata.Name)
            {
                return await FailAsync(context, MigrationPhase.Failed, "SuperPodChanged",
                    $"SuperPod {context.PodKey} is no longer held by this migration (held by {pod?.Status?.Migration?.Name ?? "none"})", cancellationToken);
            }
        }

        return null;
    }
}
