using k8s.Models;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Scheduling;

/// <summary>What the scheduler knows of one SuperNode: its place, health, settings, allocatable and what is already assigned to it.</summary>
public sealed class NodeInfo
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The SuperNode name.</summary>
    public required string Name { get; init; }

    /// <summary>The node's SuperCluster, or null when that SuperCluster does not exist (such a node has no cloud, region or price).</summary>
    public ClusterInfo? Cluster { get; init; }

    /// <summary>The name of the node's SuperCluster as its spec gives it.</summary>
    public required string ClusterName { get; init; }

    /// <summary>metadata.labels, matched by node selectors.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = NoLabels;

    /// <summary>True for spot (preemptible) capacity.</summary>
    public bool Spot { get; init; }

    /// <summary>True when the node is cordoned (spec.unschedulable).</summary>
    public bool Unschedulable { get; init; }

    /// <summary>True when the node's phase is Ready.</summary>
    public bool Ready { get; init; }

    /// <summary>Taints with effect NoSchedule or NoExecute (PreferNoSchedule does not filter).</summary>
    public IReadOnlyList<V1Taint> Taints { get; init; } = [];

    /// <summary>Allocatable milli-CPUs.</summary>
    public long AllocatableMilliCpu { get; init; }

    /// <summary>Allocatable memory in bytes.</summary>
    public long AllocatableMemory { get; init; }

    /// <summary>How many SuperPods fit; null when the node sets no limit.</summary>
    public int? MaxSuperPods { get; init; }

    /// <summary>Milli-CPUs of the SuperPods assigned or in flight to this node.</summary>
    public long RequestedMilliCpu { get; internal set; }

    /// <summary>Memory bytes of the SuperPods assigned or in flight to this node.</summary>
    public long RequestedMemory { get; internal set; }

    /// <summary>How many SuperPods are assigned or in flight to this node.</summary>
    public int SuperPodCount { get; internal set; }

    /// <summary>Builds the scheduler's view of <paramref name="node"/> (nothing assigned yet) in <paramref name="cluster"/>.</summary>
    public static NodeInfo From(SuperNode node, ClusterInfo? cluster)
    {
        ArgumentNullException.ThrowIfNull(node);
        var name = node.Metadata?.Name ?? throw new ArgumentException("SuperNode has no metadata.name", nameof(node));
        var resources = node.Status?.Allocatable ?? node.Status?.Capacity;
        return new NodeInfo
        {
            Name = name,
            Cluster = cluster,
            ClusterName = node.Spec.Cluster,
            Labels = node.Metadata.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : NoLabels,
            Spot = node.Spec.Spot ?? false,
            Unschedulable = node.Spec.Unschedulable ?? false,
            Ready = node.Status?.Phase == SuperNodePhase.Ready,
            Taints = [.. (node.Spec.Taints ?? []).Where(t => t.Effect is "NoSchedule" or "NoExecute")],
            AllocatableMilliCpu = Quantities.MilliCpu(resources?.Cpu, $"SuperNode {name}: status.allocatable.cpu"),
            AllocatableMemory = Quantities.Bytes(resources?.Memory, $"SuperNode {name}: status.allocatable.memory"),
            MaxSuperPods = resources?.SuperPods,
        };
    }
}
