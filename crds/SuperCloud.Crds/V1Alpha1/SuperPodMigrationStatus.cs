using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The progress and outcome of a migration.</summary>
public sealed class SuperPodMigrationStatus
{
    /// <summary>The metadata.generation the operator last acted on.</summary>
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>Conditions: Ready (finished, either way), Succeeded and Failed.</summary>
    [ListMap("type")]
    [MaxItems(16)]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>The phase of the migration.</summary>
    public MigrationPhase? Phase { get; set; }

    /// <summary>Where the SuperPod ran when the migration started.</summary>
    public PlacementLocation? Source { get; set; }

    /// <summary>Where it is being moved to.</summary>
    public PlacementLocation? Target { get; set; }

    /// <summary>Transfer counters, updated while Transferring.</summary>
    public MigrationProgress? Progress { get; set; }

    /// <summary>When the migration started.</summary>
    public DateTime? StartTime { get; set; }

    /// <summary>When the migration reached Succeeded, Failed or Cancelled.</summary>
    public DateTime? CompletionTime { get; set; }

    /// <summary>How long the guest was paused during the switch-over (<c>120ms</c>).</summary>
    public string? Downtime { get; set; }

    /// <summary>Wall-clock time from start to completion (<c>4.2s</c>).</summary>
    public string? TotalTime { get; set; }

    /// <summary>A CamelCase reason when the migration failed (<c>TargetUnreachable</c>, <c>ProgressTimeout</c>).</summary>
    public string? FailureReason { get; set; }

    /// <summary>A human-readable explanation of the failure.</summary>
    public string? Message { get; set; }
}
