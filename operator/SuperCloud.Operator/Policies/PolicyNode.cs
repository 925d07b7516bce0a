namespace SuperCloud.Operator.Policies;

/// <summary>A host as the policy engine sees it: cluster, capacity type, room left, and the deadline of an interruption notice.</summary>
/// <param name="Name">The SuperNode name.</param>
/// <param name="Cluster">Its SuperCluster.</param>
/// <param name="Spot">Whether it is spot capacity.</param>
/// <param name="Schedulable">Ready, not cordoned, not tainted against new SuperPods.</param>
/// <param name="FreeMilliCpu">Allocatable CPU not yet taken by SuperPods.</param>
/// <param name="FreeMemoryBytes">Allocatable memory not yet taken by SuperPods.</param>
/// <param name="InterruptionDeadline">When the cloud reclaims the host, or null.</param>
public sealed record PolicyNode(string Name, string Cluster, bool Spot, bool Schedulable, long FreeMilliCpu, long FreeMemoryBytes, DateTime? InterruptionDeadline = null);
