using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Networking;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Controllers;

/// <summary>
/// Aggregates a SuperCluster's status from its SuperNodes (node and ready-node counts, summed capacity and allocatable,
/// Ready), and says in NetworkReady whether its overlay networks are accepted against every other cluster's.
/// </summary>
public sealed class SuperClusterReconciler(
    Informer<SuperCluster> clusters, SuperCloudIndexes indexes, StatusWriter<SuperCluster> statusWriter, TimeProvider timeProvider) : IReconciler
{
    /// <summary>Ready reason when at least one node is Ready.</summary>
    public const string NodesReadyReason = "NodesReady";

    /// <summary>Ready reason when no node is Ready.</summary>
    public const string NoReadyNodesReason = "NoReadyNodes";

    /// <summary>NetworkReady reason when every overlay network the cluster declares is accepted.</summary>
    public const string OverlayAcceptedReason = "OverlayAccepted";

    /// <summary>NetworkReady reason when a declaration conflicts with another cluster's (or this one's) or is invalid.</summary>
    public const string OverlayRefusedReason = "OverlayRefused";

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        if (clusters.Cache.Get(key) is null)
        {
            return ReconcileResult.Done;
        }

        var members = indexes.Nodes.ByIndex(SuperCloudIndexes.NodesByCluster, key.Name);
        var ready = members.Count(n => n.Status?.Phase == SuperNodePhase.Ready);
        long capacityCpu = 0, capacityMemory = 0, allocatableCpu = 0, allocatableMemory = 0;
        int capacityPods = 0, allocatablePods = 0;
        foreach (var node in members)
        {
            var name = node.Metadata.Name;
            capacityCpu += Quantities.MilliCpu(node.Status?.Capacity?.Cpu, $"SuperNode {name}: status.capacity.cpu");
            capacityMemory += Quantities.Bytes(node.Status?.Capacity?.Memory, $"SuperNode {name}: status.capacity.memory");
            capacityPods += node.Status?.Capacity?.SuperPods ?? 0;
            allocatableCpu += Quantities.MilliCpu(node.Status?.Allocatable?.Cpu, $"SuperNode {name}: status.allocatable.cpu");
            allocatableMemory += Quantities.Bytes(node.Status?.Allocatable?.Memory, $"SuperNode {name}: status.allocatable.memory");
            allocatablePods += node.Status?.Allocatable?.SuperPods ?? 0;
        }

        var capacity = Resources(capacityCpu, capacityMemory, capacityPods);
        var allocatable = Resources(allocatableCpu, allocatableMemory, allocatablePods);
        var condition = new V1Condition
        {
            Type = ConditionTypes.Ready,
            Status = ready > 0 ? "True" : "False",
            Reason = ready > 0 ? NodesReadyReason : NoReadyNodesReason,
            Message = $"{ready} of {members.Count} nodes are Ready",
        };
        var network = NetworkCondition(key.Name, clusters.Cache.Get(key)!, OverlayCatalog.Build(clusters.Cache.List()));
        await statusWriter.UpdateAsync(
            key,
            cluster =>
            {
                var status = cluster.Status ??= new SuperClusterStatus();
                var changed = status.Nodes != members.Count || status.ReadyNodes != ready
                    || !Same(status.Capacity, capacity) || !Same(status.Allocatable, allocatable);
                status.Nodes = members.Count;
                status.ReadyNodes = ready;
                status.Capacity = capacity;
                status.Allocatable = allocatable;
                status.Conditions ??= [];
                changed |= Conditions.Set(status.Conditions, condition, timeProvider);
                changed |= network is null ? Conditions.Remove(status.Conditions, ConditionTypes.NetworkReady) : Conditions.Set(status.Conditions, network, timeProvider);
                return changed;
            },
            cancellationToken);
        return ReconcileResult.Done;
    }

    // Null for a cluster that joins no overlay network.
    private static V1Condition? NetworkCondition(string name, SuperCluster cluster, OverlayCatalog catalog)
    {
        var problems = catalog.ProblemsOf(name).ToList();
        if (problems.Count > 0)
        {
            return new V1Condition
            {
                Type = ConditionTypes.NetworkReady, Status = "False", Reason = OverlayRefusedReason,
                Message = "refused (SuperPods get no addresses from it): " + string.Join("; ", problems.Select(p => p.Message)),
            };
        }

        var accepted = catalog.Networks.SelectMany(n => n.Pools.Where(p => p.Cluster == name).Select(p => $"{n.Name} (VNI {n.Vni}, {p.Cidr})")).ToList();
        return cluster.Spec.Overlay?.Networks is { Count: > 0 }
            ? new V1Condition { Type = ConditionTypes.NetworkReady, Status = "True", Reason = OverlayAcceptedReason, Message = "overlay networks " + string.Join(", ", accepted) }
            : null;
    }

    private static NodeResources Resources(long milliCpu, long bytes, int pods) => new()
    {
        Cpu = Quantities.FromMilliCpu(milliCpu),
        Memory = Quantities.FromBytes(bytes),
        SuperPods = pods,
    };

    private static bool Same(NodeResources? a, NodeResources b) =>
        a is not null && a.SuperPods == b.SuperPods
        && Quantities.MilliCpu(a.Cpu, "cpu") == Quantities.MilliCpu(b.Cpu, "cpu")
        && Quantities.Bytes(a.Memory, "memory") == Quantities.Bytes(b.Memory, "memory");
}
