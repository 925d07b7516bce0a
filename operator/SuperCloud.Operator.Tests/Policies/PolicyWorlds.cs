using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Policies;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Tests.Policies;

/// <summary>Small worlds for the policy engine: clusters priced per vCPU-hour, 1-vCPU 1-GiB SuperPods, 100 MB/s links.</summary>
internal static class PolicyWorlds
{
    public const long GiB = 1L << 30;

    public static readonly DateTime Noon = new(2026, 3, 2, 12, 0, 0, DateTimeKind.Utc);

    public static readonly MigrationCostModel Costs = new(100e6, 1.5, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));

    public static PolicyRules Rules(
        SpotPriceRule? price = null, bool interruption = true, SunRule? sun = null, TimeSpan? cooldown = null, int budget = 24, bool preferOnDemand = false, bool postCopy = true) =>
        new("p", price, interruption, preferOnDemand, sun, cooldown ?? TimeSpan.FromMinutes(10), budget, postCopy);

    public static PolicyCluster Cluster(string name, decimal spot, decimal onDemand = 1m, string? region = null, Dictionary<string, int>? latency = null, TimeSpan? provision = null) =>
        new(name, CloudProvider.Aws, region ?? name, new UnitPrices(spot, 0), new UnitPrices(onDemand, 0), TimeSpan.FromHours(1),
            latency ?? new Dictionary<string, int>(), provision);

    public static PolicyNode Node(string name, string cluster, bool spot = true, long cpus = 8, DateTime? notice = null, bool schedulable = true) =>
        new(name, cluster, spot, schedulable, cpus * 1000, cpus * 4 * GiB, notice);

    public static PolicyPod Pod(string name, string node, PolicyRules rules, long memory = GiB, DateTime? anchor = null, IReadOnlyList<PolicyClient>? clients = null, SpotPolicy spot = SpotPolicy.Allowed) =>
        new($"default/{name}", 1000, memory, 0, node, anchor ?? Noon.AddMinutes(-30), rules, spot, Clients: clients);

    public static PolicyWorld World(
        DateTime now, IReadOnlyList<PolicyPod> pods, IReadOnlyList<PolicyCluster> clusters, IReadOnlyList<PolicyNode> nodes,
        IReadOnlyList<PastMigration>? history = null, int maxParallel = 5, int maxOutbound = 2, Dictionary<string, int>? active = null) =>
        new(now, pods, clusters, nodes, history ?? [], Costs, maxParallel, maxOutbound, active ?? new Dictionary<string, int>());
}
