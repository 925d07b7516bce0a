using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Migrations;
using static SuperCloud.Operator.Tests.Migrations.DecideWorld;

namespace SuperCloud.Operator.Tests.Migrations;

/// <summary>
/// The migration state machine from a table: each phase with each kind of observation and the action it leads to; then
/// every combination of phase, SuperPod, source answer, target answer, fencing, cancellation and timeouts checked against
/// the rules that keep a VM from running twice; then the partition interleaving that once ran a VM on two hosts.
/// </summary>
public sealed class MigrationDeciderTests
{
    private static readonly MigrationPhase?[] Phases =
    [
        null, MigrationPhase.Pending, MigrationPhase.Scheduling, MigrationPhase.PreparingTarget, MigrationPhase.Transferring, MigrationPhase.Switching,
        MigrationPhase.Succeeded, MigrationPhase.Failed, MigrationPhase.Cancelled,
    ];

    private static readonly AgentOutcome?[] Attempts =
    [
        null, new AgentOutcome.Unreachable("Unavailable"), new AgentOutcome.NodeMissing("gone"), new AgentOutcome.Refused("refused"),
        new AgentOutcome.Full("full"), new AgentOutcome.Busy("busy"), new AgentOutcome.NotFound("none"), new AgentOutcome.Invalid("bad"),
    ];

    public static TheoryData<string, string, string, string, string, string> Table => new()
    {
        // phase, SuperPod, source says, target says, circumstances, expected action
        { "Pending", "missing", "not asked", "not asked", "", "Finish Failed SuperPodNotFound" },
        { "Pending", "deleting", "not asked", "not asked", "", "Finish Failed SuperPodDeleted" },
        { "Pending", "held by another migration", "not asked", "not asked", "", "Hold WaitingForMigration" },
        { "Pending", "starting", "not asked", "not asked", "", "Hold SuperPodNotRunning" },
        { "Pending", "stopped", "not asked", "not asked", "", "Finish Failed SuperPodNotRunning" },
        { "Pending", "not locked", "not asked", "not asked", "slots full", "Hold WaitingForSlot" },
        { "Pending", "not locked", "not asked", "not asked", "invalid limits", "Finish Failed InvalidLimits" },
        { "Pending", "not locked", "not asked", "not asked", "target is source", "Finish Failed InvalidTarget" },
        { "Pending", "not locked", "not asked", "not asked", "", "TakeLock" },
        { "Pending", "not locked", "not asked", "not asked", "cancel", "Finish Cancelled Cancelled" },
        { "Scheduling", "on source", "not asked", "not asked", "cancel", "Finish Cancelled Cancelled" },
        { "Scheduling", "held by another migration", "not asked", "not asked", "", "Finish Failed SuperPodChanged" },
        { "Scheduling", "deleting", "not asked", "not asked", "", "Finish Failed SuperPodDeleted" },
        { "Scheduling", "on source", "not asked", "not asked", "chosen", "Reserve" },
        { "Scheduling", "on source", "not asked", "not asked", "reserved", "Reserve" },
        { "Scheduling", "on source", "not asked", "not asked", "reserved gone", "Finish Failed TargetNodeNotFound" },
        { "Scheduling", "on source", "not asked", "not asked", "unschedulable", "Wait Unschedulable" },
        { "Scheduling", "on source", "not asked", "not asked", "unschedulable, timed out", "Finish Failed NoTarget" },
        { "PreparingTarget", "on source", "not asked", "not asked", "cancel", "Finish Cancelled Cancelled" },
        { "PreparingTarget", "missing", "not asked", "not asked", "", "Finish Failed SuperPodNotFound" },
        { "PreparingTarget", "on source", "not asked", "not asked", "", "Observe Target" },
        { "PreparingTarget", "on source", "not asked", "knows nothing", "", "PrepareTarget" },
        { "PreparingTarget", "on source", "not asked", "no record, VM unknown", "", "PrepareTarget" },
        { "PreparingTarget", "on source", "not asked", "prepared", "", "BeginTransfer" },
        { "PreparingTarget", "on source", "not asked", "aborted", "", "Finish Failed TargetAborted" },
        { "PreparingTarget", "on source", "not asked", "unreachable", "", "Wait AgentUnreachable" },
        { "PreparingTarget", "on source", "not asked", "unreachable", "agents timed out", "Finish Failed AgentUnreachable" },
        { "PreparingTarget", "on source", "not asked", "prepared", "target full", "Finish Failed TargetFull" },
        { "PreparingTarget", "on source", "not asked", "prepared", "target busy", "Wait TargetBusy" },
        { "PreparingTarget", "on source", "not asked", "prepared", "target refused", "Finish Failed AgentRefused" },
        { "PreparingTarget", "on source", "not asked", "not asked", "target not ready", "Finish Failed TargetNodeNotReady" },
        { "PreparingTarget", "on source", "not asked", "not asked", "target node gone", "Finish Failed TargetNodeNotFound" },
        { "PreparingTarget", "on source", "not asked", "not asked", "disk boot", "Finish Failed InvalidSpec" },
        { "Transferring", "on source", "not asked", "not asked", "", "Observe Source" },
        { "Transferring", "on source", "never started", "not asked", "", "StartTransfer" },
        { "Transferring", "on source", "never started", "not asked", "cancel", "Finish Cancelled Cancelled" },
        { "Transferring", "on source", "never started", "not asked", "source refused", "Finish Failed AgentRefused" },
        { "Transferring", "on source", "never started", "not asked", "source unreachable", "Wait AgentUnreachable" },
        { "Transferring", "on source", "sending", "not asked", "", "RecordProgress" },
        { "Transferring", "on source", "sending", "not asked", "cancel", "CancelSource Cancelled Cancelled" },
        { "Transferring", "deleting", "sending", "not asked", "", "CancelSource Failed SuperPodDeleted" },
        { "Transferring", "on source", "sending", "not asked", "completion timed out", "CancelSource Failed CompletionTimeout" },
        { "Transferring", "on source", "sending", "not asked", "completion timed out, post-copy allowed", "StartPostCopy" },
        { "Transferring", "on source", "sending, no progress", "not asked", "progress timed out", "CancelSource Failed ProgressTimeout" },
        { "Transferring", "on source", "post-copy running", "not asked", "cancel", "RecordProgress" },
        { "Transferring", "on source", "completed", "not asked", "", "BeginSwitch" },
        { "Transferring", "on source", "switched", "not asked", "cancel", "BeginSwitch" },
        { "Transferring", "on source", "post-copy broke", "not asked", "", "BeginSwitch" },
        { "Transferring", "on source", "failed, VM kept", "not asked", "", "Finish Failed HypervisorFailed" },
        { "Transferring", "on source", "restarted, VM kept", "not asked", "", "Finish Failed AgentRestarted" },
        { "Transferring", "on source", "cancelled, VM kept", "not asked", "cancel", "Finish Cancelled Cancelled" },
        { "Transferring", "on source", "failed, connection lost", "not asked", "", "Observe Target" },
        { "Transferring", "on source", "failed, connection lost", "failed", "", "Finish Failed StreamCorrupted" },
        { "Transferring", "on source", "failed, connection lost", "unreachable", "", "Finish Failed ConnectionLost" },
        { "Transferring", "on source", "unreachable", "not asked", "", "Observe Target" },
        { "Transferring", "on source", "unreachable", "receiving", "", "RecordTargetProgress" },
        { "Transferring", "on source", "unreachable", "receiving", "progress timed out", "RecordTargetProgress" },
        { "Transferring", "on source", "unreachable", "receiving, stalled", "", "Wait SourceUnreachable" },
        { "Transferring", "on source", "unreachable", "unreachable", "", "Wait SourceUnreachable" },
        { "Transferring", "on source", "unreachable", "runs", "", "BeginSwitch" },
        { "Transferring", "on source", "restarted, settling", "receiving, stalled", "", "Wait SourceUnreachable" },
        { "Transferring", "on source", "unreachable", "not asked", "progress timed out", "Observe Target" },
        { "Transferring", "on source", "unreachable", "runs", "progress timed out", "BeginSwitch" },
        { "Transferring", "on source", "unreachable", "restarted, runs", "progress timed out", "BeginSwitch" },
        { "Transferring", "on source", "unreachable", "receiving, stalled", "progress timed out", "AbortTarget" },
        { "Transferring", "on source", "unreachable", "loaded", "progress timed out", "AbortTarget" },
        { "Transferring", "on source", "unreachable", "knows nothing", "progress timed out", "AbortTarget" },
        { "Transferring", "on source", "unreachable", "aborted", "progress timed out", "Wait WaitingForSource" },
        { "Transferring", "on source", "unreachable", "unreachable", "progress timed out", "Wait OwnerUnknown owner unknown" },
        { "Transferring", "on source", "node missing", "node missing", "progress timed out", "Wait OwnerUnknown owner unknown" },
        { "Transferring", "on source", "unreachable", "unreachable", "progress timed out, target fenced", "Wait WaitingForSource" },
        { "Transferring", "on source", "unreachable", "loaded", "progress timed out, source fenced", "BeginSwitch" },
        { "Transferring", "on source", "unreachable", "receiving, stalled", "progress timed out, source fenced", "AbortTarget" },
        { "Transferring", "on source", "unreachable", "aborted", "progress timed out, source fenced", "Finish Failed SuperPodLost" },
        { "Transferring", "on source", "restarted, settling", "aborted", "progress timed out", "Finish Failed SourceUnreachable" },
        { "Transferring", "on source", "knows nothing", "not asked", "", "Observe Target" },
        { "Transferring", "on source", "knows nothing", "receiving, stalled", "", "Wait SourceUnreachable" },
        { "Transferring", "on source", "knows nothing", "aborted", "progress timed out", "Wait WaitingForSource" },
        { "Transferring", "on source", "knows nothing", "aborted", "progress timed out, source fenced", "Finish Failed SuperPodLost" },
        { "Switching", "missing", "not asked", "not asked", "", "Finish Failed SuperPodNotFound" },
        { "Switching", "elsewhere", "not asked", "not asked", "", "Wait OwnershipChanged owner unknown" },
        { "Switching", "on source", "not asked", "not asked", "", "Observe Target" },
        { "Switching", "on source", "completed", "runs", "", "SwitchOwner" },
        { "Switching", "on source", "unreachable", "restarted, runs", "", "SwitchOwner" },
        { "Switching", "on source", "completed", "loaded", "", "CompleteTarget" },
        { "Switching", "on source", "not asked", "receiving", "", "Observe Source" },
        { "Switching", "on source", "completed", "receiving", "", "Wait WaitingForTarget" },
        { "Switching", "on source", "completed", "failed", "", "AbortTarget" },
        { "Switching", "on source", "completed", "copy crashed", "", "AbortTarget" },
        { "Switching", "on source", "completed", "knows nothing", "", "AbortTarget" },
        { "Switching", "on source", "completed", "no record, VM unknown", "", "AbortTarget" },
        { "Switching", "on source", "completed", "aborted", "", "RollBack" },
        { "Switching", "on source", "unreachable", "aborted", "", "Wait WaitingForSource" },
        { "Switching", "on source", "post-copy broke", "aborted", "", "Finish Failed SuperPodLost" },
        { "Switching", "on source", "completed", "unreachable", "", "Wait OwnerUnknown owner unknown" },
        { "Switching", "on source", "completed", "node missing", "", "Wait OwnerUnknown owner unknown" },
        { "Switching", "on source", "completed", "unreachable", "target fenced", "RollBack" },
        { "Switching", "on source", "post-copy running", "unreachable", "target fenced", "Finish Failed SuperPodLost" },
        { "Switching", "on target", "not asked", "not asked", "", "Observe Source" },
        { "Switching", "on target", "unreachable", "not asked", "", "Wait SourceUnreachable" },
        { "Switching", "on target", "switched", "not asked", "", "DeleteSourceCopy" },
        { "Switching", "on target", "post-copy running", "not asked", "", "Observe Target" },
        { "Switching", "on target", "post-copy running", "runs, pulling pages", "", "Wait PostCopy" },
        { "Switching", "on target", "post-copy running", "runs, post-copy broke", "", "Wait PostCopyStalled" },
        { "Switching", "on target", "post-copy paused", "runs, post-copy broke", "", "RecoverPostCopy" },
        { "Switching", "on target", "post-copy paused", "runs, pulling pages", "", "Wait PostCopy" },
        { "Transferring", "on source", "post-copy paused", "not asked", "", "BeginSwitch" },
        { "Switching", "on source", "post-copy paused", "runs, post-copy broke", "", "SwitchOwner" },
        { "Switching", "on target", "post-copy running", "unreachable", "", "Wait WaitingForTarget" },
        { "Switching", "on target", "post-copy running", "runs", "", "DeleteSourceCopy" },
        { "Switching", "rolled back", "not asked", "not asked", "", "Observe Source" },
        { "Switching", "rolled back", "completed", "aborted", "", "RollBack" },
        { "Switching", "rolled back", "rolled back, runs", "aborted", "", "Finish Failed TargetLostAfterTransfer" },
        { "Switching", "rolled back", "unreachable", "aborted", "", "Wait WaitingForSource" },
        { "Switching", "rolled back", "knows nothing", "aborted", "", "Wait WaitingForSource" },
        { "Switching", "rolled back", "knows nothing", "aborted", "source fenced", "Finish Failed SuperPodLost" },
        { "Failed", "on source", "not asked", "not asked", "", "CleanUpTarget" },
        { "Failed", "on source", "not asked", "not asked", "cleaned", "Release" },
        { "Failed", "not locked", "not asked", "not asked", "cleaned, released", "RemoveFinalizer" },
        { "Failed", "not locked", "not asked", "not asked", "released, cleanup unreachable", "Wait TargetNotCleanedUp" },
        { "Failed", "not locked", "not asked", "not asked", "released, cleanup unreachable, cancel", "RemoveFinalizer" },
        { "Cancelled", "on source", "not asked", "not asked", "target taken", "Release" },
        { "Succeeded", "on target", "not asked", "not asked", "", "Release" },
        { "Succeeded", "not locked", "not asked", "not asked", "released", "RemoveFinalizer" },
        { "Succeeded", "not locked", "not asked", "not asked", "released, no finalizer", "Done" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Each_phase_and_observation_leads_to_its_action(string phase, string pod, string source, string target, string circumstances, string expected)
    {
        var observations = With(Observations(pod, source, target), circumstances);
        var action = MigrationDecider.Decide(ParsePhase(phase), observations);

        Describe(action).Should().Be(expected, $"{phase} with the SuperPod {pod}, the source {source}, the target {target} ({circumstances}) -> {action}");
    }

    [Fact]
    public void The_table_covers_every_phase_every_answer_of_each_agent_and_every_state_of_the_superpod()
    {
        var rows = Table.Select(row => ((string)row[0], (string)row[1], (string)row[2], (string)row[3])).ToList();

        rows.Select(r => r.Item1).Distinct().Should().BeEquivalentTo(Enum.GetNames<MigrationPhase>(), "every phase has rows");
        rows.Select(r => r.Item2).Distinct().Should().BeEquivalentTo(Pods.Keys, "every state of the SuperPod appears");
        rows.Select(r => r.Item3).Distinct().Should().BeEquivalentTo(Sources.Keys, "every answer of the source appears");
        rows.Select(r => r.Item4).Distinct().Should().BeEquivalentTo(Targets.Keys, "every answer of the target appears");
    }

    [Fact]
    public void No_combination_resumes_a_source_or_a_target_without_positive_evidence()
    {
        var checkedCombinations = 0;
        foreach (var phase in Phases)
        {
            foreach (var (podName, pod) in Pods)
            {
                foreach (var (sourceName, source) in Sources)
                {
                    foreach (var (targetName, target) in Targets)
                    {
                        foreach (var flags in Enumerable.Range(0, 1 << 5))
                        {
                            foreach (var attempt in phase is MigrationPhase.PreparingTarget or MigrationPhase.Transferring or MigrationPhase.Failed ? Attempts : [null])
                            {
                                var o = Observations() with
                                {
                                    Pod = pod, Source = source, Target = target, Attempt = attempt,
                                    CancelRequested = (flags & 1) != 0,
                                    TargetNode = new NodeView("dst", true, true, Fenced: (flags & 2) != 0),
                                    SourceNode = new NodeView("src", true, true, Fenced: (flags & 4) != 0),
                                    SinceProgress = (flags & 8) != 0 ? TimeSpan.FromMinutes(10) : TimeSpan.FromSeconds(2),
                                    PostCopyUsed = (flags & 16) != 0,
                                };
                                var action = MigrationDecider.Decide(phase, o);
                                var why = $"{phase?.ToString() ?? "(none)"}, SuperPod {podName}, source {sourceName}, target {targetName}, flags {flags}, attempt {attempt} -> {action}";
                                CheckSafety(phase, o, action, why);
                                checkedCombinations++;
                            }
                        }
                    }
                }
            }
        }

        checkedCombinations.Should().BeGreaterThan(100_000);
    }

    [Fact]
    public void The_partition_interleaving_never_resumes_the_source_while_the_target_may_run_the_vm()
    {
        // The operator loses the source agent while the transfer goes on between the hosts.
        var o = Observations("on source", "unreachable") with { SinceProgress = TimeSpan.FromSeconds(5) };
        Describe(MigrationDecider.Decide(MigrationPhase.Transferring, o)).Should().Be("Observe Target", "the target shows how the transfer goes");
        Describe(MigrationDecider.Decide(MigrationPhase.Transferring, o with { Target = Targets["receiving"] })).Should().Be("RecordTargetProgress",
            "bytes still arrive at the target: the transfer goes on, whatever the clock says");

        // Past the progress timeout, with nothing arriving any more, the target decides, not a guess.
        o = o with { SinceProgress = TimeSpan.FromMinutes(3) };
        Describe(MigrationDecider.Decide(MigrationPhase.Transferring, o with { Target = Targets["receiving, stalled"] })).Should().Be("AbortTarget");

        // The transfer completed and the target resumed: the migration goes on to the switch-over instead of failing.
        Describe(MigrationDecider.Decide(MigrationPhase.Transferring, o with { Target = Targets["runs"] })).Should().Be("BeginSwitch");

        // Had the target agent been restarting then, nothing would be decided: no Failed, no roll-back.
        Describe(MigrationDecider.Decide(MigrationPhase.Transferring, o with { Target = Targets["unreachable"] })).Should().Be("Wait OwnerUnknown owner unknown");

        // In Switching the restarting target, a deleted SuperNode, or a target that lost its record: still no roll-back.
        var switching = Observations("on source", "unreachable");
        foreach (var silent in new[] { "unreachable", "node missing" })
        {
            Describe(MigrationDecider.Decide(MigrationPhase.Switching, switching with { Target = Targets[silent] })).Should().Be("Wait OwnerUnknown owner unknown", silent);
        }

        var forgot = MigrationDecider.Decide(MigrationPhase.Switching, switching with { Target = Targets["knows nothing"] });
        Describe(forgot).Should().Be("AbortTarget", "a target that knows nothing is made to promise it never runs the VM, which it refuses if it does");

        // The restarted target runs the VM: ownership moves there.
        Describe(MigrationDecider.Decide(MigrationPhase.Switching, switching with { Target = Targets["restarted, runs"] })).Should().Be("SwitchOwner");

        // The switch-over is written; the source agent is back: its paused copy goes.
        var moved = Observations("on target", "switched");
        Describe(MigrationDecider.Decide(MigrationPhase.Switching, moved)).Should().Be("DeleteSourceCopy");
    }

    [Fact]
    public void A_source_whose_post_copy_began_is_never_rolled_back()
    {
        foreach (var target in new[] { "aborted", "unreachable", "copy crashed", "knows nothing" })
        {
            foreach (var fenced in new[] { false, true })
            {
                var o = Observations("on source", "post-copy broke", target) with { TargetNode = new NodeView("dst", true, true, fenced) };
                var action = MigrationDecider.Decide(MigrationPhase.Switching, o);
                action.Should().NotBeOfType<MigrationAction.RollBack>($"target {target}, fenced {fenced}");
            }
        }
    }

    private static void CheckSafety(MigrationPhase? phase, MigrationObservations o, MigrationAction action, string why)
    {
        var source = o.Source.Report;
        var target = o.Target.Report;
        var targetGone = target?.Aborted == true || (o.Target.IsSilent && o.TargetNode.Fenced);
        var bothSilent = o.Source.IsSilent && o.Target.IsSilent && !o.SourceNode.Fenced && !o.TargetNode.Fenced;
        switch (action)
        {
            case MigrationAction.RollBack:
                (targetGone || o.Pod.Owner == PodOwner.RolledBack).Should().BeTrue($"a roll-back needs the target's abort or its node fenced: {why}");
                source.Should().NotBeNull($"a roll-back needs the source's answer: {why}");
                source!.PostCopyStarted.Should().BeFalse($"a source never resumes after post-copy began: {why}");
                o.PostCopyUsed.Should().BeFalse($"a source never resumes after post-copy began: {why}");
                phase.Should().Be(MigrationPhase.Switching, why);
                break;
            case MigrationAction.CompleteTarget:
                phase.Should().Be(MigrationPhase.Switching, $"the target resumes only once the source handed the VM over: {why}");
                target!.Loaded.Should().BeTrue(why);
                break;
            case MigrationAction.SwitchOwner:
                phase.Should().Be(MigrationPhase.Switching, why);
                target!.RunsCopy(o.TargetEpoch).Should().BeTrue($"ownership moves only to a target that runs the VM: {why}");
                o.Pod.Owner.Should().Be(PodOwner.Source, why);
                break;
            case MigrationAction.DeleteSourceCopy:
                o.Pod.Owner.Should().Be(PodOwner.Target, $"the source's copy goes only after the switch-over is written: {why}");
                o.Source.IsSilent.Should().BeFalse(why);
                if (o.PostCopyUsed || source?.PostCopyStarted == true)
                {
                    target!.HasAllPages.Should().BeTrue($"after post-copy the source's copy goes only once the target has every page: {why}");
                }

                break;
            case MigrationAction.AbortTarget:
                target?.RunsCopy(o.TargetEpoch).Should().NotBe(true, $"a running copy is never aborted: {why}");
                o.Target.IsSilent.Should().BeFalse(why);
                break;
            case MigrationAction.BeginSwitch when phase == MigrationPhase.Transferring:
                (source?.HandedOver == true || target?.RunsCopy(o.TargetEpoch) == true || (o.SourceNode.Fenced && o.Source.IsSilent && target?.Loaded == true))
                    .Should().BeTrue($"Switching is entered only on the source's handover or the target running the VM: {why}");
                break;
            case MigrationAction.Finish finish when phase is MigrationPhase.Transferring:
                (source?.EndedWithoutHandOver == true || source?.NeverStarted == true || targetGone)
                    .Should().BeTrue($"a transfer ends only on the source's word that it kept the VM, or the target's abort: {why} ({finish.Reason})");
                break;
            case MigrationAction.Finish finish when phase is MigrationPhase.Switching:
                (!o.Pod.Exists || targetGone || o.Pod.Owner == PodOwner.RolledBack)
                    .Should().BeTrue($"a switch-over ends badly only with the target's copy gone for good: {why} ({finish.Reason})");
                break;
        }

        if (phase is MigrationPhase.Transferring or MigrationPhase.Switching && bothSilent && o.Pod.Exists)
        {
            action.Should().BeOfType<MigrationAction.Wait>($"with neither agent answering nothing is decided: {why}");
        }

        if (action is MigrationAction.Wait { OwnerUnknown: true })
        {
            (o.Source.IsSilent || o.Target.IsSilent || o.Pod.Owner == PodOwner.Other).Should().BeTrue($"ownership is unknown only when someone is silent: {why}");
        }

        action.ResumesSource.Should().Be(action is MigrationAction.RollBack);
    }

    private static MigrationObservations With(MigrationObservations o, string circumstances)
    {
        foreach (var circumstance in circumstances.Split(", ", StringSplitOptions.RemoveEmptyEntries))
        {
            o = circumstance switch
            {
                "cancel" => o with { CancelRequested = true },
                "slots full" => o with { SlotRefusal = "5 migrations are running, the cluster-wide limit is 5; waiting for a slot" },
                "invalid limits" => o with { LimitsError = "spec.limits.bandwidth: not a quantity" },
                "target is source" => o with { TargetIsSource = true },
                "chosen" => o with { Choice = new TargetChoice.Chosen("dst", "1/3 nodes are available") },
                "reserved" => o with { Choice = new TargetChoice.Reserved("dst", true) },
                "reserved gone" => o with { Choice = new TargetChoice.Reserved("dst", false) },
                "unschedulable" => o with { Choice = new TargetChoice.None("NoTarget", "no node can take SuperPod default/web: 0/3 nodes are available") },
                "timed out" => o with { SinceStart = TimeSpan.FromMinutes(5) },
                "agents timed out" => o with { SinceStart = TimeSpan.FromMinutes(5) },
                "target full" => o with { Attempt = new AgentOutcome.Full("VM does not fit") },
                "target busy" => o with { Attempt = new AgentOutcome.Busy("VM exists") },
                "target refused" => o with { Attempt = new AgentOutcome.Refused("migration m was aborted on this host") },
                "source refused" => o with { Attempt = new AgentOutcome.Refused("this host's copy has epoch 3, not the source epoch 4") },
                "source unreachable" => o with { Attempt = new AgentOutcome.Unreachable("Unavailable") },
                "target not ready" => o with { TargetNode = o.TargetNode with { Ready = false } },
                "target node gone" => o with { TargetNode = NodeView.Missing("dst") },
                "disk boot" => o with { SpecSupported = false },
                "completion timed out" => o with { SinceStart = TimeSpan.FromMinutes(5) },
                "post-copy allowed" => o with { Limits = o.Limits with { AllowPostCopy = true } },
                "progress timed out" => o with { SinceProgress = TimeSpan.FromMinutes(5) },
                "target fenced" => o with { TargetNode = o.TargetNode with { Fenced = true } },
                "source fenced" => o with { SourceNode = o.SourceNode with { Fenced = true } },
                "cleaned" => o with { TargetCleanedUp = true },
                "released" => o with { Released = true, TargetCleanedUp = true },
                "cleanup unreachable" => o with { TargetCleanedUp = false, Attempt = new AgentOutcome.Unreachable("Unavailable") },
                "target taken" => o with { TargetTaken = true },
                "no finalizer" => o with { HasFinalizer = false },
                _ => throw new ArgumentException($"unknown circumstance '{circumstance}'", nameof(circumstances)),
            };
        }

        return o;
    }

    private static MigrationPhase? ParsePhase(string phase) => phase == "(none)" ? null : Enum.Parse<MigrationPhase>(phase);

    private static string Describe(MigrationAction action) => action switch
    {
        MigrationAction.Finish finish => $"Finish {finish.Phase} {finish.Reason}",
        MigrationAction.Hold hold => $"Hold {hold.Reason}",
        MigrationAction.Wait wait => $"Wait {wait.Reason}{(wait.OwnerUnknown ? " owner unknown" : "")}",
        MigrationAction.Observe observe => $"Observe {observe.Agent}",
        MigrationAction.CancelSource cancel => $"CancelSource {cancel.Phase} {cancel.Reason}",
        _ => action.GetType().Name,
    };
}
