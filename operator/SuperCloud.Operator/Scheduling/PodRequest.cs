using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Scheduling;

/// <summary>A SuperPod as the scheduler sees it: its size and every placement constraint and preference, parsed once.</summary>
public sealed class PodRequest
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The SuperPod's key.</summary>
    public required ObjectKey Key { get; init; }

    /// <summary>The SuperPod's namespace ("" when none).</summary>
    public string Namespace => Key.Namespace ?? string.Empty;

    /// <summary>metadata.labels, matched by other SuperPods' anti-affinity.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = NoLabels;

    /// <summary>Requested milli-CPUs.</summary>
    public long MilliCpu { get; init; }

    /// <summary>Requested memory in bytes.</summary>
    public long MemoryBytes { get; init; }

    /// <summary>Allowed clouds; null means any.</summary>
    public IReadOnlySet<CloudProvider>? Clouds { get; init; }

    /// <summary>Clouds never to run in; null means none.</summary>
    public IReadOnlySet<CloudProvider>? ExcludedClouds { get; init; }

    /// <summary>Allowed regions; null means any.</summary>
    public IReadOnlySet<string>? Regions { get; init; }

    /// <summary>Allowed SuperClusters; null means any.</summary>
    public IReadOnlySet<string>? Clusters { get; init; }

    /// <summary>Labels a node must carry; null means none.</summary>
    public IReadOnlyDictionary<string, string>? NodeSelector { get; init; }

    /// <summary>Whether spot capacity may, must or must not be used.</summary>
    public SpotPolicy Spot { get; init; } = SpotPolicy.Allowed;

    /// <summary>The most the SuperPod may cost per hour on spot capacity; null means no cap.</summary>
    public decimal? MaxPricePerHour { get; init; }

    /// <summary>Tolerated taints.</summary>
    public IReadOnlyList<V1Toleration> Tolerations { get; init; } = [];

    /// <summary>SuperPods to stay apart from.</summary>
    public IReadOnlyList<AntiAffinityTerm> AntiAffinity { get; init; } = [];

    /// <summary>Client regions with their weights (coordinate-only locations have no latency table entry and are ignored).</summary>
    public IReadOnlyList<KeyValuePair<string, int>> ClientRegions { get; init; } = [];

    /// <summary>Where the StubResources the SuperPod uses live (stubs not found are left out).</summary>
    public IReadOnlyList<StubLocation> StubLocations { get; init; } = [];

    /// <summary>The only node allowed (a migration to a named node), or null.</summary>
    public string? NodeName { get; init; }

    /// <summary>Nodes ruled out (a migration's source), or null.</summary>
    public IReadOnlySet<string>? ExcludedNodes { get; init; }

    /// <summary>
    /// The request for moving this SuperPod away from <paramref name="sourceNode"/>: the SuperPod's own constraints AND the
    /// migration's target, under <paramref name="reservationKey"/> so the placement on the target is charged beside the
    /// one on the source (both hold resources while the VM moves).
    /// </summary>
    public PodRequest ForMigration(MigrationTarget? target, string sourceNode, ObjectKey reservationKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceNode);
        return new PodRequest
        {
            Key = reservationKey,
            Labels = Labels,
            MilliCpu = MilliCpu,
            MemoryBytes = MemoryBytes,
            Clouds = Narrow(Clouds, target?.Cloud),
            ExcludedClouds = ExcludedClouds,
            Regions = Narrow(Regions, target?.Region),
            Clusters = Narrow(Clusters, target?.Cluster),
            NodeSelector = NodeSelector,
            Spot = Spot,
            MaxPricePerHour = MaxPricePerHour,
            Tolerations = Tolerations,
            AntiAffinity = AntiAffinity,
            ClientRegions = ClientRegions,
            StubLocations = StubLocations,
            NodeName = target?.Node,
            ExcludedNodes = new HashSet<string>(ExcludedNodes ?? Enumerable.Empty<string>(), StringComparer.Ordinal) { sourceNode },
        };
    }

    // A target narrows the SuperPod's own set to the intersection (possibly empty, which no node then satisfies).
    private static HashSet<string>? Narrow(IReadOnlySet<string>? allowed, string? wanted) =>
        wanted is null ? (allowed is null ? null : new HashSet<string>(allowed, StringComparer.Ordinal))
        : allowed is null || allowed.Contains(wanted) ? new HashSet<string>(StringComparer.Ordinal) { wanted }
        : new HashSet<string>(StringComparer.Ordinal);

    private static HashSet<CloudProvider>? Narrow(IReadOnlySet<CloudProvider>? allowed, CloudProvider? wanted) =>
        wanted is not { } cloud ? (allowed is null ? null : [.. allowed])
        : allowed is null || allowed.Contains(cloud) ? [cloud]
        : [];

    /// <summary>Builds the request of <paramref name="pod"/>, resolving its stubs in <paramref name="snapshot"/>; bad values name their field.</summary>
    public static PodRequest From(SuperPod pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(snapshot);
        var key = ObjectKey.From(pod);
        var placement = pod.Spec.Placement;
        var stubs = new List<StubLocation>();
        foreach (var stub in pod.Spec.Stubs ?? [])
        {
            if (snapshot.StubLocation(new ObjectKey(key.Namespace, stub.Name)) is { } location)
            {
                stubs.Add(location);
            }
        }

        return new PodRequest
        {
            Key = key,
            Labels = pod.Metadata.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : NoLabels,
            MilliCpu = Quantities.MilliCpu(pod.Spec.Resources.Cpu, "spec.resources.cpu"),
            MemoryBytes = Quantities.Bytes(pod.Spec.Resources.Memory, "spec.resources.memory"),
            Clouds = placement?.Clouds is { Count: > 0 } clouds ? clouds.ToHashSet() : null,
            ExcludedClouds = placement?.ExcludedClouds is { Count: > 0 } excluded ? excluded.ToHashSet() : null,
            Regions = placement?.Regions is { Count: > 0 } regions ? regions.ToHashSet(StringComparer.Ordinal) : null,
            Clusters = placement?.Clusters is { Count: > 0 } clusters ? clusters.ToHashSet(StringComparer.Ordinal) : null,
            NodeSelector = placement?.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector, StringComparer.Ordinal) : null,
            Spot = placement?.Spot ?? SpotPolicy.Allowed,
            MaxPricePerHour = placement?.MaxPricePerHour is { } max ? UnitPrices.ParsePrice(max, "spec.placement.maxPricePerHour") : null,
            Tolerations = [.. placement?.Tolerations ?? []],
            AntiAffinity = [.. placement?.AntiAffinity ?? []],
            ClientRegions = [.. (pod.Spec.ClientLocations ?? [])
                .Where(c => !string.IsNullOrEmpty(c.Region))
                .Select(c => new KeyValuePair<string, int>(c.Region!, c.Weight ?? 1))],
            StubLocations = stubs,
        };
    }
}
