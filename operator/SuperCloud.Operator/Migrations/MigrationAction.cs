using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Migrations;

/// <summary>
/// The one thing a migration does next, as <see cref="MigrationDecider.Decide"/> chooses it: ask an agent, tell an agent,
/// write a phase, finish, or wait. The reconciler carries it out and decides again with what came of it.
/// </summary>
public abstract record MigrationAction
{
    private MigrationAction()
    {
    }

    /// <summary>True for the acts that let a source's copy run again: only a roll-back does.</summary>
    public bool ResumesSource => this is RollBack;

    /// <summary>Ask <paramref name="Agent"/> how it sees the migration.</summary>
    public sealed record Observe(Party Agent) : MigrationAction;

    /// <summary>Stay Pending (the phase is written) because of <paramref name="Reason"/>.</summary>
    public sealed record Hold(string Reason, string Message) : MigrationAction;

    /// <summary>Take a migration slot and the SuperPod's lock, then go to Scheduling.</summary>
    public sealed record TakeLock : MigrationAction;

    /// <summary>Record <paramref name="Node"/> as the target (in the SuperPod's lock and the migration), then go to PreparingTarget.</summary>
    public sealed record Reserve(string Node, string Message) : MigrationAction;

    /// <summary>Have the target agent define its copy and wait for the stream (clearing a leftover copy that does not run).</summary>
    public sealed record PrepareTarget : MigrationAction;

    /// <summary>Go to Transferring: from here on the source may be sending.</summary>
    public sealed record BeginTransfer : MigrationAction;

    /// <summary>Give the target a fresh token, then have the source connect and start sending.</summary>
    public sealed record StartTransfer : MigrationAction;

    /// <summary>Write the source's counters to the status and look again after the progress interval.</summary>
    public sealed record RecordProgress(MigrationReport Report) : MigrationAction;

    /// <summary>
    /// The source is silent but the target still receives: write the target's counter as progress and look again after
    /// the progress interval.
    /// </summary>
    public sealed record RecordTargetProgress(MigrationReport Report) : MigrationAction;

    /// <summary>Switch the transfer to post-copy (the completion timeout passed).</summary>
    public sealed record StartPostCopy(MigrationReport Report) : MigrationAction;

    /// <summary>Cancel the transfer on the source; the migration ends <paramref name="Phase"/> with <paramref name="Reason"/>.</summary>
    public sealed record CancelSource(MigrationPhase Phase, string Reason, string Message) : MigrationAction;

    /// <summary>Have the target agent abort the migration for good (its copy never resumes there).</summary>
    public sealed record AbortTarget : MigrationAction;

    /// <summary>Go to Switching: the source handed the VM over, or the target runs it.</summary>
    public sealed record BeginSwitch(MigrationReport? Source) : MigrationAction;

    /// <summary>Have the target resume its loaded copy (the source handed the VM over; its message was lost).</summary>
    public sealed record CompleteTarget : MigrationAction;

    /// <summary>Move status.node and status.ownerEpoch to the target, in one optimistic-concurrency write.</summary>
    public sealed record SwitchOwner : MigrationAction;

    /// <summary>
    /// Resume the source's copy under a new epoch: written to the SuperPod first (while the API still names the source
    /// at its epoch), then told to the source agent. Chosen only with the target's own word that its copy is gone, or its
    /// node fenced.
    /// </summary>
    public sealed record RollBack(string Evidence) : MigrationAction;

    /// <summary>
    /// Post-copy lost its stream (an agent restarted, a link dropped): have the target listen for it again and the source
    /// resume sending the pages the target still lacks.
    /// </summary>
    public sealed record RecoverPostCopy : MigrationAction;

    /// <summary>Delete the source's copy (the SuperPod runs on the target with every page).</summary>
    public sealed record DeleteSourceCopy : MigrationAction;

    /// <summary>End the migration Failed or Cancelled with <paramref name="Reason"/>.</summary>
    public sealed record Finish(MigrationPhase Phase, string Reason, string Message) : MigrationAction;

    /// <summary>
    /// Wait and look again: <paramref name="Reason"/> and <paramref name="Message"/> go to the status; with
    /// <paramref name="OwnerUnknown"/> the migration says it cannot tell which host may run the VM and resumes nothing
    /// until an agent answers or a node is fenced.
    /// </summary>
    public sealed record Wait(string Reason, string Message, Retry Retry, bool OwnerUnknown = false) : MigrationAction;

    /// <summary>After the end: abort the migration on the target and remove its copy.</summary>
    public sealed record CleanUpTarget : MigrationAction;

    /// <summary>After the end: release the SuperPod and leave the migration's summary on it.</summary>
    public sealed record Release : MigrationAction;

    /// <summary>After the end: let the migration go (remove its finalizer).</summary>
    public sealed record RemoveFinalizer(string? Warning) : MigrationAction;

    /// <summary>Nothing left to do.</summary>
    public sealed record Done : MigrationAction;
}
