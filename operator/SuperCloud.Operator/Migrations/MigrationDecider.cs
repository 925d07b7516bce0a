using SuperCloud.Crds;
using SuperCloud.Crds.V1Alpha1;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Migrations;

/// <summary>
/// The migration state machine as one pure function: given the phase and what was observed, the next action. No I/O,
/// no clock. The rules that keep a VM from running twice live here:
/// <list type="bullet">
/// <item>Before Transferring nothing can have left the source (the source is told to send only after Transferring is
/// written), so a migration may end at once.</item>
/// <item>From Transferring on, a migration ends Failed only on the source's own word that it did not hand the VM over,
/// or on the target's own word that it aborted the migration for good (or its node fenced).</item>
/// <item>The target resumes only on the source's word that it handed the VM over (or the source node fenced).</item>
/// <item>The source resumes (a roll-back, under a new epoch) only with the target's abort confirmed or its node
/// fenced, and never after post-copy began.</item>
/// <item>Silence — an agent that does not answer, a missing SuperNode, NotFound — is never evidence: the migration
/// waits, saying that it cannot tell which host may run the VM.</item>
/// </list>
/// </summary>
public static class MigrationDecider
{
    /// <summary>What the migration does next.</summary>
    public static MigrationAction Decide(MigrationPhase? phase, MigrationObservations observations)
    {
        ArgumentNullException.ThrowIfNull(observations);
        return phase switch
        {
            null or MigrationPhase.Pending => Pending(observations),
            MigrationPhase.Scheduling => Scheduling(observations),
            MigrationPhase.PreparingTarget => Preparing(observations),
            MigrationPhase.Transferring => Transferring(observations),
            MigrationPhase.Switching => Switching(observations),
            _ => Finished(phase.Value, observations),
        };
    }

    private static MigrationAction Pending(MigrationObservations o)
    {
        var pod = o.Pod;
        if (o.CancelRequested)
        {
            return Cancelled("the SuperPodMigration was deleted before it started");
        }

        if (!pod.Exists)
        {
            return Fail("SuperPodNotFound", $"SuperPod {pod.Key} does not exist");
        }

        if (pod.Deleting)
        {
            return Fail("SuperPodDeleted", $"SuperPod {pod.Key} is being deleted");
        }

        if (pod.LockHolder is { Length: > 0 } other && !pod.HoldsLock)
        {
            return new MigrationAction.Hold("WaitingForMigration", $"SuperPod {pod.Key} is being moved by SuperPodMigration {other}; this one waits for it");
        }

        if (!pod.Runs)
        {
            return pod.Phase is null or SuperPodPhase.Pending or SuperPodPhase.Scheduled or SuperPodPhase.Starting
                ? new MigrationAction.Hold("SuperPodNotRunning", $"SuperPod {pod.Key} is {pod.Phase?.ToString() ?? "not scheduled yet"}; the migration starts once it runs")
                : Fail("SuperPodNotRunning", $"SuperPod {pod.Key} is {pod.Phase}: only a running SuperPod migrates live");
        }

        if (o.LimitsError is { } invalid)
        {
            return Fail("InvalidLimits", invalid);
        }

        if (o.TargetIsSource)
        {
            return Fail("InvalidTarget", $"spec.target.node: SuperPod {pod.Key} already runs on {pod.Node}");
        }

        return o.SlotRefusal is { } full ? new MigrationAction.Hold("WaitingForSlot", full) : new MigrationAction.TakeLock();
    }

    private static MigrationAction Scheduling(MigrationObservations o)
    {
        if (o.CancelRequested)
        {
            return Cancelled("the SuperPodMigration was deleted before the transfer started");
        }

        if (LockLost(o) is { } lost)
        {
            return lost;
        }

        return o.Choice switch
        {
            TargetChoice.Reserved { Exists: true } reserved => new MigrationAction.Reserve(reserved.Node, $"target {reserved.Node} (chosen earlier)"),
            TargetChoice.Reserved reserved => Fail("TargetNodeNotFound", $"the chosen target node {reserved.Node} no longer exists"),
            TargetChoice.Chosen chosen => new MigrationAction.Reserve(chosen.Node, chosen.Message),
            TargetChoice.None none when o.SinceStart >= o.SchedulingTimeout =>
                Fail(none.Reason, $"{none.Message} (for {GoDuration.Format(o.SchedulingTimeout)})"),
            TargetChoice.None none => new MigrationAction.Wait("Unschedulable", none.Message, Retry.Pending),
            _ => new MigrationAction.Wait("Scheduling", "choosing a target", Retry.Pending),
        };
    }

    // Nothing can have left the source yet: it is told to send only once Transferring is written.
    private static MigrationAction Preparing(MigrationObservations o)
    {
        if (o.CancelRequested)
        {
            return Cancelled("the SuperPodMigration was deleted before the transfer started");
        }

        if (LockLost(o) is { } lost)
        {
            return lost;
        }

        if (!o.TargetNode.Exists)
        {
            return Fail("TargetNodeNotFound", $"target node {o.TargetNode.Name} does not exist or has no agent endpoint");
        }

        if (!o.SourceNode.Exists)
        {
            return Fail("SourceNodeNotFound", $"source node {o.SourceNode.Name} does not exist or has no agent endpoint");
        }

        if (!o.TargetNode.Ready)
        {
            return Fail("TargetNodeNotReady", $"target node {o.TargetNode.Name} is not Ready");
        }

        if (!o.SpecSupported)
        {
            return Fail("InvalidSpec", "the SuperPod's images are not resolved to digests (status.images): it has not run yet");
        }

        var gaveUp = o.SinceStart >= o.AgentUnreachableTimeout;
        switch (o.Attempt)
        {
            case AgentOutcome.Full full:
                return Fail("TargetFull", full.Detail);
            case AgentOutcome.Invalid or AgentOutcome.Refused or AgentOutcome.NotFound:
                return Fail("AgentRefused", o.Attempt.Detail);
            case AgentOutcome.Busy busy:
                return gaveUp
                    ? Fail("AgentRefused", busy.Detail)
                    : new MigrationAction.Wait("TargetBusy", $"a copy of the VM on {o.TargetNode.Name} is still being removed ({busy.Detail}); preparing the target again", Retry.Pending);
            case AgentOutcome.Unreachable or AgentOutcome.NodeMissing:
                return Unanswered(o, o.Attempt.Detail, gaveUp);
        }

        return o.Target switch
        {
            AgentView.Unasked => new MigrationAction.Observe(Party.Target),
            AgentView.Unreachable or AgentView.NodeMissing => Unanswered(o, Silence(o.Target), gaveUp),
            AgentView.Answered { Report: { Phase: V1.MigrationPhase.Prepared } prepared } when prepared.Status.TargetEpoch == o.TargetEpoch => new MigrationAction.BeginTransfer(),
            AgentView.Answered { Report.Aborted: true } aborted => Fail("TargetAborted", $"the target agent of {o.TargetNode.Name} has aborted this migration: {aborted.Report!.Status.Message}"),
            _ => new MigrationAction.PrepareTarget(),
        };
    }

    // From here on the source may be sending: the migration ends only on evidence of where the VM runs.
    private static MigrationAction Transferring(MigrationObservations o)
    {
        if (o.Source is AgentView.Unasked)
        {
            return new MigrationAction.Observe(Party.Source);
        }

        var source = o.Source.Report;
        if (source is not null && source.Status.Phase is V1.MigrationPhase.Completed or V1.MigrationPhase.Switched)
        {
            return new MigrationAction.BeginSwitch(source);
        }

        if (source is not null && source.HandedOver && (source.EndsBadly || source.PostCopyBroken))
        {
            // Post-copy broke, or the source failed after the handover: the VM lives on the target (or nowhere).
            return new MigrationAction.BeginSwitch(source);
        }

        if (source is not null && source.EndedWithoutHandOver)
        {
            return EndedOnSource(o, source);
        }

        if (source is not null && source.NeverStarted)
        {
            return NotStarted(o);
        }

        if (source is not null && source.Sending)
        {
            return Sending(o, source);
        }

        if (source is not null && source.HandedOver)
        {
            // Post-copy runs: the VM runs on the target while the pages arrive; nothing cancels it now.
            return new MigrationAction.RecordProgress(source);
        }

        // The source is silent, or cannot say yet (restarted while its hypervisor settles): the target shows whether the
        // transfer still moves, and whether it ended.
        if (o.Target is AgentView.Unasked)
        {
            return new MigrationAction.Observe(Party.Target);
        }

        if (o.Target.Report is { Status.Phase: V1.MigrationPhase.Transferring } receiving && receiving.Status.StreamPayloadBytes > o.BytesReceived
            && !receiving.RunsCopy(o.TargetEpoch))
        {
            return new MigrationAction.RecordTargetProgress(receiving);
        }

        if (o.SinceProgress < o.Limits.ProgressTimeout && !(o.Target.Report?.RunsCopy(o.TargetEpoch) ?? false))
        {
            return new MigrationAction.Wait("SourceUnreachable",
                $"the source agent of {o.SourceNode.Name} does not answer ({Silence(o.Source)}); waiting up to the progress timeout", Retry.Progress);
        }

        return ResolveWithoutSource(o);
    }

    private static MigrationAction Sending(MigrationObservations o, MigrationReport source)
    {
        if (o.CancelRequested)
        {
            return new MigrationAction.CancelSource(MigrationPhase.Cancelled, "Cancelled", "the SuperPodMigration was deleted");
        }

        if (!o.Pod.Exists || o.Pod.Deleting)
        {
            return new MigrationAction.CancelSource(MigrationPhase.Failed, "SuperPodDeleted", $"SuperPod {o.Pod.Key} is being deleted");
        }

        if (source.Status.Phase == V1.MigrationPhase.PostCopy || source.PostCopyStarted)
        {
            return new MigrationAction.RecordProgress(source);
        }

        if (o.SinceStart > o.CompletionTimeout)
        {
            return o.Limits.AllowPostCopy
                ? new MigrationAction.StartPostCopy(source)
                : new MigrationAction.CancelSource(MigrationPhase.Failed, "CompletionTimeout",
                    $"pre-copy did not converge within the completion timeout of {GoDuration.Format(o.CompletionTimeout)} ({GoDuration.Format(o.Limits.CompletionTimeoutPerGiB)} per GiB); post-copy is not allowed");
        }

        // Disks are mirrored before memory is copied: their bytes are progress too.
        var sent = source.Status.BytesTransferred + source.Status.DiskBytesTransferred;
        var progressed = sent > o.BytesSent;
        if (!progressed && o.SinceProgress > o.Limits.ProgressTimeout)
        {
            return new MigrationAction.CancelSource(MigrationPhase.Failed, "ProgressTimeout",
                $"no progress for {GoDuration.Format(o.Limits.ProgressTimeout)} (stuck at {sent} bytes sent)");
        }

        return new MigrationAction.RecordProgress(source);
    }

    // The source never started this migration (no record of it, its copy not handed over): start it, or end.
    private static MigrationAction NotStarted(MigrationObservations o)
    {
        if (o.CancelRequested)
        {
            return Cancelled("the SuperPodMigration was deleted before the source started sending");
        }

        if (!o.Pod.Exists || o.Pod.Deleting)
        {
            return Fail("SuperPodDeleted", $"SuperPod {o.Pod.Key} is being deleted");
        }

        return o.Attempt switch
        {
            AgentOutcome.Invalid or AgentOutcome.Refused or AgentOutcome.Full => Fail("AgentRefused", o.Attempt.Detail),
            AgentOutcome.NotFound notFound => Fail("SourceVmNotFound", $"the source agent of {o.SourceNode.Name} has no VM to send: {notFound.Detail}"),
            AgentOutcome.Unreachable or AgentOutcome.NodeMissing or AgentOutcome.Busy =>
                new MigrationAction.Wait("AgentUnreachable", $"starting the transfer failed ({o.Attempt.Detail}); retrying", Retry.Backoff),
            _ => new MigrationAction.StartTransfer(),
        };
    }

    // The source says its transfer ended and the VM is its own: the target cannot have been told to resume.
    private static MigrationAction EndedOnSource(MigrationObservations o, MigrationReport source)
    {
        if (o.CancelRequested && source.Status.Phase == V1.MigrationPhase.Cancelled)
        {
            return new MigrationAction.Finish(MigrationPhase.Cancelled, "Cancelled", Message(source, "cancelled; the VM keeps running on the source"));
        }

        // A source that only saw its connection or stream break does not know why; the target may, and its reason is
        // the one a user can act on.
        if (source.Reason is V1.MigrationFailureReason.ConnectionLost or V1.MigrationFailureReason.HypervisorStreamFailed)
        {
            if (o.Target is AgentView.Unasked)
            {
                return new MigrationAction.Observe(Party.Target);
            }

            if (o.Target.Report is { Status.Phase: V1.MigrationPhase.Failed } verdict
                && verdict.Reason is not (V1.MigrationFailureReason.Unspecified or V1.MigrationFailureReason.ConnectionLost or V1.MigrationFailureReason.SourceClosed))
            {
                return Fail(verdict.Reason.ToString(), $"the target {o.TargetNode.Name} failed the transfer: {verdict.Status.Message} (the source saw: {source.Status.Message})");
            }
        }

        return Fail(source.ReasonOr(source.Reason == V1.MigrationFailureReason.AgentRestarted ? "SourceAgentRestarted" : "TransferFailed"),
            Message(source, "the transfer failed; the VM keeps running on the source"));
    }

    // The source does not answer (or cannot tell) past the progress timeout: the target decides.
    private static MigrationAction ResolveWithoutSource(MigrationObservations o)
    {
        if (o.Target is AgentView.Unasked)
        {
            return new MigrationAction.Observe(Party.Target);
        }

        var target = o.Target.Report;
        if (target is not null && target.RunsCopy(o.TargetEpoch))
        {
            // The source's switch-over reached the target: the source is paused for good, the VM runs there.
            return new MigrationAction.BeginSwitch(null);
        }

        if (target?.Aborted == true || (o.Target.IsSilent && o.TargetNode.Fenced))
        {
            // The target never runs it now; the source decides what remains, once it answers.
            return SourceSettles(o, evidence: target?.Aborted == true ? "the target agent confirmed the migration aborted" : $"the target node {o.TargetNode.Name} is fenced");
        }

        if (o.SourceNode.Fenced && o.Source.IsSilent)
        {
            // The source's host is confirmed off: its copy is gone. The target's copy is the VM if it holds the whole state.
            return target?.Loaded == true ? new MigrationAction.BeginSwitch(null)
                : o.Target.IsSilent ? new MigrationAction.Wait("OwnerUnknown",
                    $"the source node {o.SourceNode.Name} is fenced and the target agent of {o.TargetNode.Name} does not answer ({Silence(o.Target)}); waiting for it", Retry.Backoff, OwnerUnknown: true)
                : new MigrationAction.AbortTarget();
        }

        if (!o.Target.IsSilent)
        {
            // The target answers and has not resumed it (or knows nothing of it): its abort makes sure it never does, and
            // lets the source keep the VM.
            return new MigrationAction.AbortTarget();
        }

        return new MigrationAction.Wait("OwnerUnknown",
            $"neither the source agent of {o.SourceNode.Name} ({Silence(o.Source)}) nor the target agent of {o.TargetNode.Name} ({Silence(o.Target)}) answers: " +
            $"either may run the VM, so nothing is resumed or deleted until one of them answers or a node is fenced ({NodeHealthFenced})", Retry.Backoff, OwnerUnknown: true);
    }

    // The target's copy never runs (aborted or its node fenced): the migration ends once the source's copy runs again.
    private static MigrationAction SourceSettles(MigrationObservations o, string evidence)
    {
        if (o.Source.Report is not { } source)
        {
            if (o.SourceNode.Fenced)
            {
                return Fail("SuperPodLost", $"{evidence}, and the source node {o.SourceNode.Name} is fenced: no copy of the VM is left");
            }

            return new MigrationAction.Wait("WaitingForSource",
                $"{evidence}; waiting for the source agent of {o.SourceNode.Name} ({Silence(o.Source)}) to confirm the VM runs there", Retry.Backoff);
        }

        if (source.PostCopyStarted)
        {
            return Fail("SuperPodLost", $"{evidence} after post-copy began: the source's memory is stale and the VM is not resumed anywhere");
        }

        if (source.HandedOver)
        {
            return new MigrationAction.RollBack(evidence);
        }

        if (source.Sending)
        {
            // The transfer runs into a target that is gone: it fails, and the hypervisor keeps the VM on the source.
            return new MigrationAction.CancelSource(MigrationPhase.Failed, "TargetAborted", $"{evidence}; the transfer is cancelled and the VM keeps running on the source");
        }

        return Fail(source.EndedWithoutHandOver ? source.ReasonOr("SourceUnreachable") : "SourceUnreachable",
            $"the source agent of {o.SourceNode.Name} could not tell how the transfer ended for {GoDuration.Format(o.Limits.ProgressTimeout)} " +
            $"({Silence(o.Source)}); {evidence}; the VM stays on the source");
    }

    // Past the switch-over point: the source handed the VM over (or the target runs it). Ownership moves in the API; the
    // source's copy goes only when the target holds every page; the source resumes only with the target's abort.
    private static MigrationAction Switching(MigrationObservations o)
    {
        var pod = o.Pod;
        if (!pod.Exists)
        {
            return Fail("SuperPodNotFound", $"SuperPod {pod.Key} disappeared during the switch-over");
        }

        return pod.Owner switch
        {
            PodOwner.Target => Moved(o),
            PodOwner.Source => NotMoved(o),
            PodOwner.RolledBack => RolledBack(o),
            _ => new MigrationAction.Wait("OwnershipChanged",
                $"SuperPod {pod.Key} is recorded on {pod.Node ?? "no node"} at epoch {pod.OwnerEpoch}, which is neither this migration's source ({o.SourceNode.Name}, epoch {o.SourceEpoch}) " +
                $"nor its target ({o.TargetNode.Name}, epoch {o.TargetEpoch}); nothing is resumed or deleted until that is resolved", Retry.Backoff, OwnerUnknown: true),
        };
    }

    private static MigrationAction Moved(MigrationObservations o)
    {
        if (o.Source is AgentView.Unasked)
        {
            return new MigrationAction.Observe(Party.Source);
        }

        if (o.Source.IsSilent)
        {
            return new MigrationAction.Wait("SourceUnreachable",
                $"the SuperPod runs on {o.TargetNode.Name}; waiting to delete the paused copy on {o.SourceNode.Name} ({Silence(o.Source)})", Retry.Backoff);
        }

        var postCopy = o.PostCopyUsed || o.Source.Report?.PostCopyStarted == true;
        if (postCopy)
        {
            if (o.Target is AgentView.Unasked)
            {
                return new MigrationAction.Observe(Party.Target);
            }

            if (o.Target.Report is not { } target)
            {
                return new MigrationAction.Wait("WaitingForTarget",
                    $"post-copy: the source's copy stays until the target agent of {o.TargetNode.Name} ({Silence(o.Target)}) confirms it holds every page", Retry.Backoff);
            }

            if (!target.HasAllPages)
            {
                if (!target.PostCopyBroken)
                {
                    return new MigrationAction.Wait("PostCopy", $"the VM runs on {o.TargetNode.Name}, which pulls its remaining pages from {o.SourceNode.Name}", Retry.Progress);
                }

                // Both hypervisors wait for the stream to come back: bring it back through the agents.
                return target.Status.HypervisorState == V1.HypervisorMigrationState.PostcopyPaused
                    && o.Source.Report?.Status.HypervisorState == V1.HypervisorMigrationState.PostcopyPaused
                    ? new MigrationAction.RecoverPostCopy()
                    : new MigrationAction.Wait("PostCopyStalled",
                        $"post-copy lost its stream: the VM on {o.TargetNode.Name} waits for pages still held by {o.SourceNode.Name}, whose copy is kept (and never resumed)", Retry.Backoff);
            }
        }

        return new MigrationAction.DeleteSourceCopy();
    }

    private static MigrationAction NotMoved(MigrationObservations o)
    {
        if (o.Target is AgentView.Unasked)
        {
            return new MigrationAction.Observe(Party.Target);
        }

        var target = o.Target.Report;
        if (target is not null && target.RunsCopy(o.TargetEpoch))
        {
            return new MigrationAction.SwitchOwner();
        }

        if (target is not null && target.Loaded)
        {
            // Switching is written only once the source handed the VM over (or the target ran it): resuming is safe.
            return new MigrationAction.CompleteTarget();
        }

        if (o.Source is AgentView.Unasked)
        {
            return new MigrationAction.Observe(Party.Source);
        }

        var postCopy = o.PostCopyUsed || o.Source.Report?.PostCopyStarted == true;
        if (o.Target.IsSilent)
        {
            if (o.TargetNode.Fenced)
            {
                return postCopy
                    ? Fail("SuperPodLost", $"post-copy moved the VM to {o.TargetNode.Name}, which is fenced: the source's memory is stale and the VM is not resumed anywhere")
                    : SourceSettles(o, $"the target node {o.TargetNode.Name} is fenced");
            }

            return new MigrationAction.Wait("OwnerUnknown",
                $"the target agent of {o.TargetNode.Name} ({Silence(o.Target)}) may run the VM: the source's copy stays paused, and nothing is resumed, " +
                $"until that agent answers or the node is fenced ({NodeHealthFenced})", Retry.Backoff, OwnerUnknown: true);
        }

        if (target is null)
        {
            // It answered that it knows nothing of the migration: absence is no evidence, its abort is.
            return new MigrationAction.AbortTarget();
        }

        if (target.Aborted)
        {
            return postCopy
                ? Fail("SuperPodLost", $"post-copy moved the VM to {o.TargetNode.Name}, whose copy is gone: the source's memory is stale and the VM is not resumed anywhere")
                : SourceSettles(o, "the target agent confirmed the migration aborted");
        }

        if (target.Status.HypervisorState is V1.HypervisorMigrationState.Active or V1.HypervisorMigrationState.Setup
            || (postCopy && target.Status.Vm?.MigrationState == V1.VmMigrationState.Incoming && target.Status.Vm.State == V1.VmState.Paused))
        {
            return new MigrationAction.Wait("WaitingForTarget", $"the target {o.TargetNode.Name} is still loading the VM's state", Retry.Progress);
        }

        // The target cannot resume its copy (lost, failed, never loaded, or it knows nothing of it): abort it there for
        // good, which is the evidence a roll-back needs.
        return new MigrationAction.AbortTarget();
    }

    private static MigrationAction RolledBack(MigrationObservations o)
    {
        if (o.Source is AgentView.Unasked)
        {
            return new MigrationAction.Observe(Party.Source);
        }

        if (o.Source.Report is { Status.Vm: { State: V1.VmState.Running } vm } && vm.Epoch == o.Pod.OwnerEpoch)
        {
            return Fail("TargetLostAfterTransfer",
                $"the target {o.TargetNode.Name} lost the VM after the transfer (its agent aborted the migration); the SuperPod was resumed on {o.SourceNode.Name} under epoch {vm.Epoch}");
        }

        if (o.Source.Report is null)
        {
            // No answer, or one that knows nothing of the VM: never a reason to decide; a fenced source node is.
            return o.SourceNode.Fenced
                ? Fail("SuperPodLost", $"the target's copy was aborted and the source node {o.SourceNode.Name} is fenced: no copy of the VM is left")
                : new MigrationAction.Wait("WaitingForSource", $"the roll-back is recorded; waiting for the source agent of {o.SourceNode.Name} ({Silence(o.Source)}) to resume the VM", Retry.Backoff);
        }

        if (o.PostCopyUsed || o.Source.Report.PostCopyStarted)
        {
            return Fail("SuperPodLost", $"post-copy began, so the source's copy on {o.SourceNode.Name} never resumes, and the target's copy was aborted: the VM is not resumed anywhere");
        }

        return new MigrationAction.RollBack("the roll-back is recorded");
    }

    private static MigrationAction Finished(MigrationPhase phase, MigrationObservations o)
    {
        if (phase is MigrationPhase.Failed or MigrationPhase.Cancelled && !o.TargetCleanedUp && o.Pod.Exists && !o.TargetTaken
            && !string.IsNullOrEmpty(o.TargetNode.Name) && o.TargetNode.Name != o.Pod.Node && o.Attempt is null)
        {
            return new MigrationAction.CleanUpTarget();
        }

        if (!o.Released)
        {
            return new MigrationAction.Release();
        }

        var uncleaned = o.Attempt is AgentOutcome.Unreachable or AgentOutcome.NodeMissing or AgentOutcome.Refused;
        if (uncleaned && !o.CancelRequested)
        {
            return new MigrationAction.Wait("TargetNotCleanedUp", $"the copy on {o.TargetNode.Name} is not removed yet: {o.Attempt!.Detail}", Retry.Backoff);
        }

        if (o.HasFinalizer)
        {
            return new MigrationAction.RemoveFinalizer(uncleaned
                ? $"the copy on {o.TargetNode.Name} could not be removed ({o.Attempt!.Detail}); it can never resume there, and a later migration to that node removes it"
                : null);
        }

        return new MigrationAction.Done();
    }

    // Before the switch-over the migration needs its SuperPod, still locked by it.
    private static MigrationAction.Finish? LockLost(MigrationObservations o) =>
        !o.Pod.Exists ? Fail("SuperPodNotFound", $"SuperPod {o.Pod.Key} no longer exists")
        : o.Pod.Deleting ? Fail("SuperPodDeleted", $"SuperPod {o.Pod.Key} is being deleted")
        : !o.Pod.HoldsLock ? Fail("SuperPodChanged", $"SuperPod {o.Pod.Key} is no longer held by this migration (held by {o.Pod.LockHolder ?? "none"})")
        : null;

    private static MigrationAction Unanswered(MigrationObservations o, string detail, bool gaveUp) =>
        gaveUp
            ? Fail("AgentUnreachable", $"an agent did not answer for {GoDuration.Format(o.AgentUnreachableTimeout)}: {detail}")
            : new MigrationAction.Wait("AgentUnreachable", $"an agent does not answer ({detail}); retrying", Retry.Backoff);

    private const string NodeHealthFenced = "kubectl annotate supernode NODE supercloud.dev/fenced=true once the host is confirmed off";

    private static string Silence(AgentView view) => view switch
    {
        AgentView.Unreachable unreachable => unreachable.Detail,
        AgentView.NodeMissing missing => missing.Detail,
        AgentView.NotFound notFound => $"it knows nothing of it: {notFound.Detail}",
        AgentView.Answered answered => $"{answered.Value.Phase}: {answered.Value.Status.Message}",
        _ => "not asked",
    };

    private static string Message(MigrationReport report, string fallback) => string.IsNullOrEmpty(report.Status.Message) ? fallback : report.Status.Message;

    private static MigrationAction.Finish Fail(string reason, string message) => new(MigrationPhase.Failed, reason, message);

    private static MigrationAction.Finish Cancelled(string message) => new(MigrationPhase.Cancelled, "Cancelled", message);
}
