using System.Diagnostics;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Bench;

/// <summary>
/// Scheduler throughput in-process: 10,000 pending SuperPods placed one at a time (with assume) on 1,000 and 5,000
/// SuperNodes, every filter and score on; beside a first-fit scheduler with only the resource filter measured in the same
/// run. One more row, labelled as such, sets the 5,000-node figure beside a quoted constant, not a measurement: the
/// throughput kube-scheduler's scheduler_perf requires of itself at the same scale (<see cref="KubeSchedulerPerfThresholdPodsPerSecond"/>).
/// </summary>
internal static class SchedulerBenchmarks
{
    /// <summary>
    /// The threshold of kube-scheduler's scheduler_perf workload SchedulingBasic/5000Nodes_10000Pods
    /// (test/integration/scheduler_perf/misc/performance-config.yaml): 5,000 nodes, 1,000 pods placed first, then 10,000
    /// pods measured, which must reach at least 680 pods/s. Quoted, not measured here (there is no kube-scheduler on
    /// this machine); it is the nearest published workload to this section's 5,000 nodes and 10,000 pods.
    /// </summary>
    internal const double KubeSchedulerPerfThresholdPodsPerSecond = 680;

    /// <summary>What <see cref="KubeSchedulerPerfThresholdPodsPerSecond"/> is, for the baseline column.</summary>
    internal const string KubeSchedulerPerfThresholdName =
        "QUOTED, not measured: kube-scheduler scheduler_perf SchedulingBasic/5000Nodes_10000Pods threshold (5,000 nodes; 1,000 pods placed, then 10,000 measured)";

    private const int PendingPods = 10_000;
    private const long GiB = 1L << 30;

    /// <summary>Twelve clusters in four clouds with on-demand prices per vCPU-hour and GiB-hour; the end-to-end bench uses them too.</summary>
    internal static readonly (string Name, CloudProvider Cloud, string Region, decimal Vcpu, decimal Gib)[] ClusterSpecs =
    [
        ("aws-use1", CloudProvider.Aws, "us-east-1", 0.0416m, 0.0052m), ("aws-usw2", CloudProvider.Aws, "us-west-2", 0.0416m, 0.0052m),
        ("aws-euw1", CloudProvider.Aws, "eu-west-1", 0.0464m, 0.0058m), ("aws-apne1", CloudProvider.Aws, "ap-northeast-1", 0.0536m, 0.0067m),
        ("gcp-use4", CloudProvider.Gcp, "us-east4", 0.0380m, 0.0051m), ("gcp-euw4", CloudProvider.Gcp, "europe-west4", 0.0418m, 0.0056m),
        ("gcp-ase1", CloudProvider.Gcp, "asia-southeast1", 0.0466m, 0.0062m), ("az-eus", CloudProvider.Azure, "eastus", 0.0400m, 0.0050m),
        ("az-weu", CloudProvider.Azure, "westeurope", 0.0440m, 0.0055m), ("az-jpe", CloudProvider.Azure, "japaneast", 0.0520m, 0.0065m),
        ("lab-a", CloudProvider.OnPrem, "lab-a", 0.0100m, 0.0010m), ("lab-b", CloudProvider.OnPrem, "lab-b", 0.0100m, 0.0010m),
    ];

    /// <summary>Where SuperPods' clients are: the rows of every cluster's latency table.</summary>
    internal static readonly string[] ClientRegions = ["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "asia-southeast1"];

    public static IReadOnlyList<Figure> Run(TextWriter output, CancellationToken ct)
    {
        output.WriteLine();
        output.WriteLine("SuperPod scheduler (in-process, 10,000 pending SuperPods, all filters and scores)");

        // Warm up the JIT on a small world so the first measured cycle is not charged for compilation.
        Measure(200, 2_000, firstFit: false, ct);
        Measure(200, 2_000, firstFit: true, ct);

        var figures = new List<Figure>();
        double at5000 = 0;
        foreach (var nodes in (int[])[1_000, 5_000])
        {
            ct.ThrowIfCancellationRequested();
            var baseline = Measure(nodes, PendingPods, firstFit: true, ct);
            var (rate, placed, memory) = Measure(nodes, PendingPods, firstFit: false, ct);
            figures.Add(new Figure(
                $"pods placed/s at {nodes:N0} nodes ({placed:N0} placed)", rate, baseline.Rate, "pods/s",
                "first-fit, resource filter only, same run", HigherIsBetter: true, memory));
            at5000 = rate;
        }

        figures.Add(new Figure(
            $"pods placed/s at 5,000 nodes, {PendingPods:N0} pods, vs kube-scheduler", at5000, KubeSchedulerPerfThresholdPodsPerSecond, "pods/s",
            KubeSchedulerPerfThresholdName, HigherIsBetter: true, GC.GetTotalMemory(false)));
        return figures;
    }

    private static (double Rate, int Placed, long Memory) Measure(int nodeCount, int podCount, bool firstFit, CancellationToken ct)
    {
        var random = new Random(42);
        var snapshot = World(nodeCount, random);
        var pods = Enumerable.Range(0, podCount).Select(i => PendingPod(i, random)).ToList();
        var scheduler = new Scheduler();
        var placed = 0;
        var watch = Stopwatch.StartNew();
        foreach (var pod in pods)
        {
            if ((placed & 1023) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            placed += (firstFit ? FirstFit(pod, snapshot) : scheduler.ScheduleAndAssume(pod, snapshot).IsScheduled) ? 1 : 0;
        }

        watch.Stop();
        return (podCount / watch.Elapsed.TotalSeconds, placed, GC.GetTotalMemory(false));
    }

    /// <summary>The baseline: the first node (in name order) with room for the pod's CPUs and memory.</summary>
    private static bool FirstFit(PodRequest pod, ClusterSnapshot snapshot)
    {
        foreach (var node in snapshot.Nodes)
        {
            if (node.RequestedMilliCpu + pod.MilliCpu <= node.AllocatableMilliCpu && node.RequestedMemory + pod.MemoryBytes <= node.AllocatableMemory)
            {
                snapshot.Assume(pod, node);
                return true;
            }
        }

        return false;
    }

    private static ClusterSnapshot World(int nodeCount, Random random)
    {
        var snapshot = new ClusterSnapshot();
        var clusters = new List<ClusterInfo>();
        foreach (var (name, cloud, region, vcpu, gib) in ClusterSpecs)
        {
            var cluster = new ClusterInfo
            {
                Name = name, Provider = cloud, Region = region,
                OnDemand = new UnitPrices(vcpu, gib),
                Spot = cloud == CloudProvider.OnPrem ? null : new UnitPrices(vcpu * 0.3m, gib * 0.3m),
                LatencyMs = ClientRegions.ToDictionary(r => r, r => r == region ? 2 : random.Next(20, 250), StringComparer.Ordinal),
            };
            snapshot.AddCluster(cluster);
            clusters.Add(cluster);
        }

        for (var i = 0; i < nodeCount; i++)
        {
            var cluster = clusters[i % clusters.Count];
            snapshot.AddNode(new NodeInfo
            {
                Name = $"node-{i:00000}",
                Cluster = cluster,
                ClusterName = cluster.Name,
                Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["disk"] = i % 3 == 0 ? "ssd" : "hdd", ["rack"] = $"r{i % 40}" },
                Spot = cluster.Spot is not null && i % 4 == 0,
                Ready = i % 97 != 0,
                Unschedulable = i % 101 == 0,
                Taints = i % 20 == 0 ? [new V1Taint { Key = "dedicated", Value = "db", Effect = "NoSchedule" }] : [],
                AllocatableMilliCpu = 32_000,
                AllocatableMemory = 128 * GiB,
                MaxSuperPods = 32,
            });
        }

        return snapshot;
    }

    private static PodRequest PendingPod(int i, Random random)
    {
        var app = $"app-{i % 2_000}";
        var selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = app } };
        return new PodRequest
        {
            Key = new ObjectKey($"tenant-{i % 20}", $"vm-{i:00000}"),
            Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = app },
            MilliCpu = 500 * random.Next(1, 7),
            MemoryBytes = GiB * random.Next(1, 9),
            Spot = (i % 5) switch { 0 => SpotPolicy.Required, 1 => SpotPolicy.Forbidden, _ => SpotPolicy.Allowed },
            MaxPricePerHour = i % 5 == 0 ? 0.5m : null,
            Clouds = i % 7 == 0 ? new HashSet<CloudProvider> { CloudProvider.Aws, CloudProvider.Gcp } : null,
            ExcludedClouds = i % 11 == 0 ? new HashSet<CloudProvider> { CloudProvider.Azure } : null,
            Regions = i % 13 == 0 ? new HashSet<string>(["us-east-1", "us-east4", "eastus"], StringComparer.Ordinal) : null,
            NodeSelector = i % 6 == 0 ? new Dictionary<string, string>(StringComparer.Ordinal) { ["disk"] = "ssd" } : null,
            Tolerations = i % 10 == 0 ? [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "db", Effect = "NoSchedule" }] : [],
            AntiAffinity = i % 3 == 0 ? [new AntiAffinityTerm { SuperPodSelector = selector, Topology = TopologyLevel.Node }] : [],
            ClientRegions = i % 2 == 0
                ? [new(ClientRegions[i % ClientRegions.Length], 3), new(ClientRegions[(i + 2) % ClientRegions.Length], 1)]
                : [],
            StubLocations = i % 8 == 0 ? [new StubLocation { Cluster = ClusterSpecs[i % ClusterSpecs.Length].Name }] : [],
        };
    }
}
