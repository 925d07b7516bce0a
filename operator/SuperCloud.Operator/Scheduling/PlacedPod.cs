using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Scheduling;

/// <summary>A SuperPod that holds resources on a node: bound (status.node) or assumed by the scheduler while its bind is in flight.</summary>
/// <param name="Key">The SuperPod's key.</param>
/// <param name="Labels">Its labels, for anti-affinity.</param>
/// <param name="Node">The node it holds resources on.</param>
/// <param name="MilliCpu">Its milli-CPUs.</param>
/// <param name="MemoryBytes">Its memory bytes.</param>
public sealed record PlacedPod(ObjectKey Key, IReadOnlyDictionary<string, string> Labels, NodeInfo Node, long MilliCpu, long MemoryBytes);
