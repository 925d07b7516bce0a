using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Policies;

/// <summary>One earlier migration: for cooldown and budget when a policy started it, and as a measured sample of how fast SuperPods move between two clusters.</summary>
/// <param name="Pod">The SuperPod, as namespace/name.</param>
/// <param name="Reason">Why it was started.</param>
/// <param name="Policy">The MigrationPolicy that started it, or null for a person or a drain.</param>
/// <param name="Created">When it was created.</param>
/// <param name="FromCluster">Source cluster, when known.</param>
/// <param name="ToCluster">Target cluster, when known.</param>
/// <param name="Bytes">Bytes QEMU sent, when it succeeded.</param>
/// <param name="Duration">Its total time, when it succeeded.</param>
public sealed record PastMigration(
    string Pod, MigrationReason Reason, string? Policy, DateTime Created, string? FromCluster = null, string? ToCluster = null, long? Bytes = null, TimeSpan? Duration = null);
