using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Tests.Scheduling;

/// <summary>Small builders for scheduler inputs.</summary>
internal static class Fixtures
{
    public const long GiB = 1L << 30;

    public static ClusterInfo Cluster(
        string name, CloudProvider provider = CloudProvider.Aws, string region = "us-east-1",
        decimal vcpu = 0.04m, decimal gib = 0.005m, decimal? spotVcpu = 0.01m, decimal? spotGib = 0.00125m,
        Dictionary<string, int>? latency = null) => new()
        {
            Name = name,
            Provider = provider,
            Region = region,
            OnDemand = new UnitPrices(vcpu, gib),
            Spot = spotVcpu is null ? null : new UnitPrices(spotVcpu.Value, spotGib ?? 0),
            LatencyMs = latency ?? [],
        };

    public static NodeInfo Node(
        string name, ClusterInfo cluster, long cpu = 8, long memoryGiB = 32, bool spot = false, bool ready = true,
        bool unschedulable = false, Dictionary<string, string>? labels = null, V1Taint[]? taints = null, int? maxPods = null) => new()
        {
            Name = name,
            Cluster = cluster,
            ClusterName = cluster.Name,
            AllocatableMilliCpu = cpu * 1000,
            AllocatableMemory = memoryGiB * GiB,
            Spot = spot,
            Ready = ready,
            Unschedulable = unschedulable,
            Labels = labels ?? [],
            Taints = taints ?? [],
            MaxSuperPods = maxPods,
        };

    public static ClusterSnapshot Snapshot(IEnumerable<ClusterInfo> clusters, params NodeInfo[] nodes)
    {
        var snapshot = new ClusterSnapshot();
        foreach (var cluster in clusters)
        {
            snapshot.AddCluster(cluster);
        }

        foreach (var node in nodes)
        {
            snapshot.AddNode(node);
        }

        return snapshot;
    }

    public static PodRequest Pod(
        string name = "vm", long milliCpu = 1000, long memoryGiB = 1, SpotPolicy spot = SpotPolicy.Allowed,
        Dictionary<string, string>? labels = null, string ns = "default") => new()
        {
            Key = new ObjectKey(ns, name),
            MilliCpu = milliCpu,
            MemoryBytes = memoryGiB * GiB,
            Spot = spot,
            Labels = labels ?? [],
        };

    /// <summary>A scheduler that examines every node (no feasible-node cut-off), as small tests expect.</summary>
    public static Scheduler Scheduler() => new(new SchedulerOptions { PercentageOfNodesToScore = 100 });
}
