namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A summary of a finished migration, kept on the SuperPod.</summary>
public sealed class MigrationRecord
{
    /// <summary>The SuperPodMigration name.</summary>
    public string? Name { get; set; }

    /// <summary>How it ended: Succeeded, Failed or Cancelled.</summary>
    public MigrationPhase? Phase { get; set; }

    /// <summary>Why it was started.</summary>
    public MigrationReason? Reason { get; set; }

    /// <summary>Where the SuperPod ran before.</summary>
    public PlacementLocation? From { get; set; }

    /// <summary>Where it ran after (the same as from when the migration failed).</summary>
    public PlacementLocation? To { get; set; }

    /// <summary>When the migration started.</summary>
    public DateTime? StartTime { get; set; }

    /// <summary>When it ended.</summary>
    public DateTime? CompletionTime { get; set; }

    /// <summary>Wall-clock time from start to end (<c>4.2s</c>).</summary>
    public string? TotalTime { get; set; }

    /// <summary>How long the guest was paused (<c>120ms</c>).</summary>
    public string? Downtime { get; set; }

    /// <summary>Bytes of guest state sent.</summary>
    public long? BytesTransferred { get; set; }

    /// <summary>Why it failed, when it did.</summary>
    public string? FailureReason { get; set; }
}
