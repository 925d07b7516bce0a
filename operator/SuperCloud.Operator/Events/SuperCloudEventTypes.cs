namespace SuperCloud.Operator.Events;

/// <summary>The CloudEvents types the operator publishes (reverse-DNS, as the CloudEvents spec recommends).</summary>
public static class SuperCloudEventTypes
{
    /// <summary>A SuperPod was bound to a node.</summary>
    public const string Scheduled = "dev.supercloud.superpod.scheduled";

    /// <summary>A SuperPod's VM runs (first start, restart, or after a migration that did not end in Running).</summary>
    public const string Running = "dev.supercloud.superpod.running";

    /// <summary>A SuperPod failed.</summary>
    public const string Failed = "dev.supercloud.superpod.failed";

    /// <summary>A live migration started.</summary>
    public const string MigrationStarted = "dev.supercloud.migration.started";

    /// <summary>A live migration moved to another phase or sent more of the guest's memory.</summary>
    public const string MigrationProgress = "dev.supercloud.migration.progress";

    /// <summary>A live migration ended with the SuperPod running on the target.</summary>
    public const string MigrationSucceeded = "dev.supercloud.migration.succeeded";

    /// <summary>A live migration failed; the SuperPod runs where it was.</summary>
    public const string MigrationFailed = "dev.supercloud.migration.failed";

    /// <summary>A live migration was cancelled.</summary>
    public const string MigrationCancelled = "dev.supercloud.migration.cancelled";

    /// <summary>The cloud announced that a spot host will be reclaimed.</summary>
    public const string SpotInterruption = "dev.supercloud.supernode.spotinterruption";

    /// <summary>A migration policy decided to move a SuperPod (a migration it created), or refused to.</summary>
    public const string PolicyDecision = "dev.supercloud.policy.decision";
}
