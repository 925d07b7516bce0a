using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Migrations;

/// <summary>
/// What one agent answered about one migration, typed: its phase and failure reason, what it did with the VM's copy
/// (handed over, post-copy, resumed), the copy's state and epoch, and the transfer counters.
/// </summary>
/// <param name="Node">The node name the answering agent gave for itself.</param>
/// <param name="Status">The agent's answer as sent.</param>
public sealed record MigrationReport(string Node, V1.MigrationStatus Status)
{
    /// <summary>Where the agent is.</summary>
    public V1.MigrationPhase Phase => Status.Phase;

    /// <summary>Why it failed or was cancelled.</summary>
    public V1.MigrationFailureReason Reason => Status.FailureReason;

    /// <summary>The agent knows this migration (it has a session or a record of it), rather than reporting only the VM.</summary>
    public bool KnowsMigration => Status.Role != V1.MigrationRole.Unspecified;

    /// <summary>The state of the agent's copy of the VM, or null when it has none.</summary>
    public V1.VmState? VmState => Status.Vm?.State;

    /// <summary>
    /// Source: the source's copy will not run again by itself — the transfer completed, post-copy was asked for, or the
    /// copy migrated out. From here on only the target may run the VM, or the source through a roll-back.
    /// </summary>
    public bool HandedOver => Status.HandedOver || Status.PostCopyStarted
        || Status.Phase is V1.MigrationPhase.Completed or V1.MigrationPhase.Switched
        || Status.Vm?.MigrationState is V1.VmMigrationState.MigratedOut or V1.VmMigrationState.PostCopyOut;

    /// <summary>Source: post-copy began, so the source's copy never resumes.</summary>
    public bool PostCopyStarted => Status.PostCopyStarted || Status.Vm?.MigrationState == V1.VmMigrationState.PostCopyOut;

    /// <summary>Source: the transfer still runs and nothing was handed over yet.</summary>
    public bool Sending => !HandedOver && Status.Phase is V1.MigrationPhase.Transferring or V1.MigrationPhase.PostCopy;

    /// <summary>The migration ended badly on this agent (failed or cancelled).</summary>
    public bool EndsBadly => Status.Phase is V1.MigrationPhase.Failed or V1.MigrationPhase.Cancelled;

    /// <summary>Source: the transfer ended without handing the VM over, so the VM is the source's.</summary>
    public bool EndedWithoutHandOver => !HandedOver && Status.Phase is V1.MigrationPhase.Failed or V1.MigrationPhase.Cancelled;

    /// <summary>Source: the agent has no record of the migration and its copy was never handed over (never started here).</summary>
    public bool NeverStarted => !KnowsMigration && !HandedOver;

    /// <summary>Target: the copy of this migration resumed there (at <paramref name="epoch"/>).</summary>
    public bool RunsCopy(long epoch) =>
        Status.Phase == V1.MigrationPhase.Switched
        || (Status.Role == V1.MigrationRole.Target && Status.Vm is { State: V1.VmState.Running, MigrationState: V1.VmMigrationState.None } vm && vm.Epoch == epoch);

    /// <summary>Target: the copy holds the whole state and waits, paused, for its switch-over.</summary>
    public bool Loaded =>
        Status.Vm is { State: V1.VmState.Paused, MigrationState: V1.VmMigrationState.Incoming }
        && (Status.Phase == V1.MigrationPhase.Completed || Status.HypervisorState is V1.HypervisorMigrationState.Completed or V1.HypervisorMigrationState.PostcopyActive);

    /// <summary>Target: the migration is aborted there for good.</summary>
    public bool Aborted => Status.Phase == V1.MigrationPhase.Aborted;

    /// <summary>Target: post-copy lost its stream; the copy runs but waits for pages still on the source.</summary>
    public bool PostCopyBroken => Status.FailureReason == V1.MigrationFailureReason.PostCopyFailed || Status.HypervisorState == V1.HypervisorMigrationState.PostcopyPaused;

    /// <summary>Target: the hypervisor has every page (the incoming migration completed).</summary>
    public bool HasAllPages => Status.HypervisorState == V1.HypervisorMigrationState.Completed;

    /// <summary>The failure reason as the API reports it (the enum's name), or <paramref name="fallback"/>.</summary>
    public string ReasonOr(string fallback) => Reason == V1.MigrationFailureReason.Unspecified ? fallback : Reason.ToString();
}
