using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Policies;

/// <summary>One migration the policy engine wants created, with where to, how, and why in numbers.</summary>
/// <param name="Pod">namespace/name of the SuperPod.</param>
/// <param name="Policy">The MigrationPolicy that decided it.</param>
/// <param name="Reason">SpotPrice, SpotInterruption or FollowTheSun.</param>
/// <param name="TargetCluster">The cluster to move to.</param>
/// <param name="TargetNode">The node to move to, when the engine reserved room on one; else the scheduler picks in the cluster.</param>
/// <param name="TargetSpot">Whether the target capacity is spot.</param>
/// <param name="PostCopy">Post-copy is needed to make an interruption deadline.</param>
/// <param name="Numbers">The figures behind the decision.</param>
/// <param name="Message">The decision in one sentence, with its numbers.</param>
public sealed record PolicyDecision(
    string Pod, string Policy, MigrationReason Reason, string TargetCluster, string? TargetNode, bool TargetSpot, bool PostCopy, DecisionNumbers Numbers, string Message);
