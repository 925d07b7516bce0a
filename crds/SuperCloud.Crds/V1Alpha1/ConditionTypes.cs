namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The condition types the SuperCloud controllers set in <c>status.conditions</c>.</summary>
public static class ConditionTypes
{
    /// <summary>Every kind: the object is fully reconciled and usable (SuperPod running, node heartbeating, stub reachable).</summary>
    public const string Ready = "Ready";

    /// <summary>SuperPod: a node has been chosen and recorded in status.</summary>
    public const string Scheduled = "Scheduled";

    /// <summary>
    /// SuperPod: its images are resolved to digests and present on its node (pulled, verified); while they are not, the
    /// reason says why (Resolving, Pulling with progress, ImageNotFound, DigestMismatch, RegistryUnreachable, ...).
    /// </summary>
    public const string ImagesReady = "ImagesReady";

    /// <summary>SuperPod: a migration is in progress.</summary>
    public const string Migrating = "Migrating";

    /// <summary>
    /// SuperPod: spec.migrationPolicy names a MigrationPolicy whose selectors do not match the SuperPod (or that does not
    /// exist), so the reference is ignored and the matching policies apply; the message names the policy.
    /// </summary>
    public const string MigrationPolicyRefused = "MigrationPolicyRefused";

    /// <summary>SuperPodMigration: the migration finished and the SuperPod runs on the target.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>SuperPodMigration: the migration failed; the SuperPod keeps running on the source.</summary>
    public const string Failed = "Failed";

    /// <summary>
    /// SuperPod: every interface has its address (allocated or the user's) and its node's network is programmed.
    /// SuperNode: the node's agent installed the current overlay table in its switch. SuperCluster: its overlay networks
    /// are accepted (no VNI disagreement or pool overlap with another cluster).
    /// </summary>
    public const string NetworkReady = "NetworkReady";

    /// <summary>
    /// SuperPodMigration: whether the operator knows which host may run the VM. Unknown while it cannot tell (an agent
    /// does not answer, a SuperNode is missing) and resumes nothing; True once an agent confirmed it.
    /// </summary>
    public const string OwnerConfirmed = "OwnerConfirmed";

    /// <summary>
    /// SuperCluster: whether <c>status.prices</c> holds what the provider publishes now. False when the last read failed
    /// (the last prices are kept; the message says why and since when).
    /// </summary>
    public const string PricesCurrent = "PricesCurrent";

    /// <summary>SuperNode: the cloud announced that the spot instance will be reclaimed.</summary>
    public const string InterruptionPending = "InterruptionPending";
}
