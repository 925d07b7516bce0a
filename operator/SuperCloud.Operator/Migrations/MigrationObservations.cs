namespace SuperCloud.Operator.Migrations;

/// <summary>
/// Everything one step of a migration knows when it decides: the SuperPod and the nodes from the caches, the admission
/// slot, the scheduler's choice, the clocks as durations, the limits, the epochs, and — once asked — each agent's view
/// and its answer to the last command. The decision (<see cref="MigrationDecider.Decide"/>) reads nothing else.
/// </summary>
public sealed record MigrationObservations
{
    /// <summary>The SuperPodMigration is being deleted: the user cancels it.</summary>
    public bool CancelRequested { get; init; }

    /// <summary>The SuperPod it moves.</summary>
    public required PodView Pod { get; init; }

    /// <summary>Why the limits cannot be used (a bad quantity or duration), or null.</summary>
    public string? LimitsError { get; init; }

    /// <summary>spec.target.node names the node the SuperPod already runs on.</summary>
    public bool TargetIsSource { get; init; }

    /// <summary>Why no migration slot is free (cluster-wide or leaving the source node), or null when one is.</summary>
    public string? SlotRefusal { get; init; }

    /// <summary>Scheduling: where the SuperPod would go.</summary>
    public TargetChoice Choice { get; init; } = TargetChoice.NotComputed;

    /// <summary>The migration's source node.</summary>
    public NodeView SourceNode { get; init; } = NodeView.Missing("");

    /// <summary>The migration's target node.</summary>
    public NodeView TargetNode { get; init; } = NodeView.Missing("");

    /// <summary>The SuperPod's spec can be run by a node agent (a kernel boot).</summary>
    public bool SpecSupported { get; init; } = true;

    /// <summary>The source agent's view of the migration.</summary>
    public AgentView Source { get; init; } = AgentView.NotAsked;

    /// <summary>The target agent's view of the migration.</summary>
    public AgentView Target { get; init; } = AgentView.NotAsked;

    /// <summary>What the agent answered to the last command of this step, or null.</summary>
    public AgentOutcome? Attempt { get; init; }

    /// <summary>The epoch of the source's copy.</summary>
    public long SourceEpoch { get; init; }

    /// <summary>The epoch of the target's copy.</summary>
    public long TargetEpoch { get; init; }

    /// <summary>The migration's limits, resolved.</summary>
    public EffectiveMigrationLimits Limits { get; init; } = EffectiveMigrationLimits.Defaults;

    /// <summary>The completion timeout for this SuperPod's memory.</summary>
    public TimeSpan CompletionTimeout { get; init; }

    /// <summary>How long the migration has been running.</summary>
    public TimeSpan SinceStart { get; init; }

    /// <summary>How long since the transfer last made progress (or since the start).</summary>
    public TimeSpan SinceProgress { get; init; }

    /// <summary>The bytes sent as last recorded.</summary>
    public long BytesSent { get; init; } = -1;

    /// <summary>The bytes the target received as last recorded (while the source was silent).</summary>
    public long BytesReceived { get; init; } = -1;

    /// <summary>Post-copy was switched on for this migration (as recorded in its status).</summary>
    public bool PostCopyUsed { get; init; }

    /// <summary>How long a migration waits for a node to fit before it fails.</summary>
    public TimeSpan SchedulingTimeout { get; init; }

    /// <summary>How long an agent may stay unreachable before the migration gives up (before anything moved).</summary>
    public TimeSpan AgentUnreachableTimeout { get; init; }

    /// <summary>After the end: the target's copy was removed (or none was left).</summary>
    public bool TargetCleanedUp { get; init; }

    /// <summary>After the end: a later migration of the SuperPod to the same node owns whatever copy is there now.</summary>
    public bool TargetTaken { get; init; }

    /// <summary>After the end: the SuperPod was released and carries this migration's summary.</summary>
    public bool Released { get; init; }

    /// <summary>After the end: the migration still carries its finalizer.</summary>
    public bool HasFinalizer { get; init; }
}
