using System.Globalization;
using k8s;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Bench;

/// <summary>
/// A multi-cloud world created through the API as an administrator and node agents would: the CRDs from crds/generated,
/// the twelve SuperClusters of the in-process scheduler bench with on-demand and spot prices and a latency table,
/// SuperNodes with labels, taints, capacity and a heartbeat Lease (half of each cloud cluster spot, a few without a Lease,
/// so NotReady, and a few cordoned),
/// tenant namespaces with a StubResource each, and SuperPods with the same mix of constraints as the in-process bench,
/// every one of which some node fits.
/// </summary>
internal sealed class SchedulingWorld
{
    /// <summary>Where node agents renew their Leases (the operator's default).</summary>
    public const string SystemNamespace = "supercloud-system";

    private const int Tenants = 10;
    private const int Parallelism = 16;

    /// <summary>
    /// Agents renew a 40 s Lease every 10 s; the bench writes one Lease per node that outlives the run instead, so no
    /// heartbeat traffic competes with the measured writes and the scheduler and baseline runs see the same load.
    /// </summary>
    private const int LeaseSeconds = 600;

    private SchedulingWorld(IReadOnlyList<string> nodes, int readyNodes)
    {
        Nodes = nodes;
        ReadyNodes = readyNodes;
    }

    /// <summary>Every SuperNode name.</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>How many SuperNodes renew a Lease (the rest become NotReady once the operator's node health controller runs).</summary>
    public int ReadyNodes { get; }

    /// <summary>How many SuperClusters there are.</summary>
    public static int Clusters => SchedulerBenchmarks.ClusterSpecs.Length;

    /// <summary>Creates the world with <paramref name="nodeCount"/> SuperNodes.</summary>
    public static async Task<SchedulingWorld> CreateAsync(Kubernetes client, int nodeCount, CancellationToken cancellationToken)
    {
        foreach (var file in Directory.GetFiles(RepoPaths.GeneratedCrds, "*.yaml").Order(StringComparer.Ordinal))
        {
            var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file, cancellationToken));
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, cancellationToken: cancellationToken);
        }

        foreach (var ns in Enumerable.Range(0, Tenants).Select(Tenant).Prepend(SystemNamespace))
        {
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: cancellationToken);
        }

        var clusters = new ResourceClient<SuperCluster>(client);
        var random = new Random(42);
        foreach (var spec in SchedulerBenchmarks.ClusterSpecs)
        {
            await clusters.CreateAsync(Cluster(spec, random), cancellationToken);
        }

        var stubs = new ResourceClient<StubResource>(client);
        for (var t = 0; t < Tenants; t++)
        {
            await stubs.CreateAsync(Stub(t), cancellationToken);
        }

        var nodes = new ResourceClient<SuperNode>(client);
        var names = Enumerable.Range(0, nodeCount).Select(NodeName).ToList();
        var ready = 0;
        await Parallel.ForEachAsync(
            Enumerable.Range(0, nodeCount),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                // As an agent registers: the SuperNode, then its status, then its first heartbeat.
                var node = await nodes.CreateAsync(Node(i), ct);
                node.Status = NodeStatus();
                await nodes.ReplaceAsync(node, "status", ct);
                if (HasLease(i))
                {
                    Interlocked.Increment(ref ready);
                    var now = DateTime.UtcNow;
                    await client.CoordinationV1.CreateNamespacedLeaseAsync(
                        new V1Lease
                        {
                            Metadata = new V1ObjectMeta { Name = NodeName(i), NamespaceProperty = SystemNamespace },
                            Spec = new V1LeaseSpec { HolderIdentity = NodeName(i), LeaseDurationSeconds = LeaseSeconds, AcquireTime = now, RenewTime = now },
                        },
                        SystemNamespace,
                        cancellationToken: ct);
                }
            });
        return new SchedulingWorld(names, ready);
    }

    /// <summary>The SuperPod <paramref name="prefix"/>-<paramref name="i"/>: its tenant, size and constraints follow from <paramref name="i"/>.</summary>
    public static SuperPod Pod(string prefix, int i)
    {
        var random = new Random(i);
        var regions = SchedulerBenchmarks.ClientRegions;
        var app = $"app-{i % 100}";
        var spot = (i % 5) switch { 0 => SpotPolicy.Required, 1 => SpotPolicy.Forbidden, _ => SpotPolicy.Allowed };
        return new SuperPod
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{prefix}-{i:D5}",
                NamespaceProperty = Tenant(i % Tenants),
                Labels = new Dictionary<string, string> { ["app"] = app },
            },
            Spec = new SuperPodSpec
            {
                Resources = new SuperPodResources
                {
                    Cpu = new ResourceQuantity($"{500 * random.Next(1, 7)}m"),
                    Memory = new ResourceQuantity($"{random.Next(1, 9)}Gi"),
                },
                Boot = new BootSource { Image = "supercloud/test-guest:latest", Cmdline = "console=ttyS0 quiet" },
                Networks = [new NetworkInterface { Name = "eth0", Ip = $"10.200.{i / 250}.{(i % 250) + 1}" }],
                Placement = new Placement
                {
                    Spot = spot,
                    MaxPricePerHour = spot == SpotPolicy.Required ? "0.5" : null,
                    Clouds = i % 7 == 0 ? [CloudProvider.Aws, CloudProvider.Gcp] : null,
                    ExcludedClouds = i % 11 == 0 ? [CloudProvider.Azure] : null,
                    Regions = i % 13 == 0 ? ["us-east-1", "us-east4", "eastus"] : null,
                    NodeSelector = i % 6 == 0 ? new Dictionary<string, string> { ["disk"] = "ssd" } : null,
                    Tolerations = i % 10 == 0 ? [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "db", Effect = "NoSchedule" }] : null,
                    AntiAffinity = i % 3 == 0
                        ? [new AntiAffinityTerm { SuperPodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = app } }, Topology = TopologyLevel.Node }]
                        : null,
                },
                ClientLocations = i % 2 == 0
                    ?
                    [
                        new ClientLocation { Name = "primary", Region = regions[i % regions.Length], Weight = 3 },
                        new ClientLocation { Name = "secondary", Region = regions[(i + 2) % regions.Length], Weight = 1 },
                    ]
                    : null,
                Stubs = i % 8 == 0 ? [new StubAttachment { Name = "feed" }] : null,
            },
        };
    }

    private static string Tenant(int t) => $"tenant-{t}";

    private static string NodeName(int i) => $"node-{i:D4}";

    private static bool HasLease(int i) => i % 97 != 0;

    private static SuperCluster Cluster((string Name, CloudProvider Cloud, string Region, decimal Vcpu, decimal Gib) spec, Random random) => new()
    {
        Metadata = new V1ObjectMeta { Name = spec.Name },
        Spec = new SuperClusterSpec
        {
            Provider = spec.Cloud,
            Region = spec.Region,
            Pricing = new Pricing
            {
                Currency = "USD",
                OnDemand = new PriceRates { PerVcpuHour = Price(spec.Vcpu), PerGiBHour = Price(spec.Gib) },
                Spot = spec.Cloud == CloudProvider.OnPrem ? null : new PriceRates { PerVcpuHour = Price(spec.Vcpu * 0.3m), PerGiBHour = Price(spec.Gib * 0.3m) },
            },
            Latency = [.. SchedulerBenchmarks.ClientRegions.Select(r => new LatencyEntry { Location = r, LatencyMs = r == spec.Region ? 2 : random.Next(20, 250) })],
        },
    };

    private static SuperNode Node(int i)
    {
        var (cluster, cloud, _, _, _) = SchedulerBenchmarks.ClusterSpecs[i % SchedulerBenchmarks.ClusterSpecs.Length];
        return new SuperNode
        {
            Metadata = new V1ObjectMeta
            {
                Name = NodeName(i),
                Labels = new Dictionary<string, string> { ["disk"] = i % 3 == 0 ? "ssd" : "hdd", ["rack"] = $"r{i % 40}" },
            },
            Spec = new SuperNodeSpec
            {
                Cluster = cluster,
                AgentEndpoint = $"10.{i % SchedulerBenchmarks.ClusterSpecs.Length}.{i / 250}.{(i % 250) + 1}:7443",
                Spot = cloud != CloudProvider.OnPrem && (i / SchedulerBenchmarks.ClusterSpecs.Length) % 2 == 0,
                Unschedulable = i % 101 == 0,
                Taints = i % 20 == 0 ? [new V1Taint { Key = "dedicated", Value = "db", Effect = "NoSchedule" }] : null,
            },
        };
    }

    private static SuperNodeStatus NodeStatus() => new()
    {
        Phase = SuperNodePhase.Ready,
        Capacity = new NodeResources { Cpu = new ResourceQuantity("32"), Memory = new ResourceQuantity("128Gi"), SuperPods = 32 },
        Allocatable = new NodeResources { Cpu = new ResourceQuantity("31"), Memory = new ResourceQuantity("120Gi"), SuperPods = 32 },
        AgentVersion = "bench",
    };

    private static StubResource Stub(int tenant)
    {
        var (cluster, cloud, region, _, _) = SchedulerBenchmarks.ClusterSpecs[tenant % SchedulerBenchmarks.ClusterSpecs.Length];
        return new StubResource
        {
            Metadata = new V1ObjectMeta { Name = "feed", NamespaceProperty = Tenant(tenant) },
            Spec = new StubResourceSpec
            {
                Type = StubType.Dataset,
                Location = new StubLocation { Cloud = cloud, Region = region, Cluster = cluster },
                Endpoint = new StubEndpoint { Host = $"192.168.50.{tenant + 10}", Port = 9000 },
                LocalAddress = new LocalAddress { Ip = "169.254.100.1", Port = 9000 },
            },
        };
    }

    private static string Price(decimal value) => value.ToString("0.######", CultureInfo.InvariantCulture);
}
