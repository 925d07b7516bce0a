using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Migrations;

/// <summary>The SuperPod a migration moves, as far as the migration's decisions go.</summary>
/// <param name="Key">namespace/name, for messages.</param>
/// <param name="Exists">It exists.</param>
/// <param name="Deleting">It is being deleted.</param>
/// <param name="LockHolder">The migration named in its status.migration, or null.</param>
/// <param name="HoldsLock">This migration holds it (read from the API when the cache disagreed).</param>
/// <param name="Node">status.node.</param>
/// <param name="Phase">status.phase.</param>
/// <param name="OwnerEpoch">status.ownerEpoch.</param>
/// <param name="Owner">status.node and status.ownerEpoch against this migration's epochs.</param>
public sealed record PodView(
    string Key, bool Exists, bool Deleting, string? LockHolder, bool HoldsLock, string? Node, SuperPodPhase? Phase, long OwnerEpoch, PodOwner Owner)
{
    /// <summary>A SuperPod that does not exist.</summary>
    public static PodView Missing(string key) => new(key, false, false, null, false, null, null, 0, PodOwner.Other);

    /// <summary>True when the SuperPod runs, bound to a node: only such a SuperPod migrates live.</summary>
    public bool Runs => !string.IsNullOrEmpty(Node) && Phase == SuperPodPhase.Running;
}
