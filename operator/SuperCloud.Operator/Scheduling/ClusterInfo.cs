using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Scheduling;

/// <summary>What the scheduler knows of one SuperCluster: its place, its prices per unit and its latency table.</summary>
public sealed class ClusterInfo
{
    /// <summary>The SuperCluster name.</summary>
    public required string Name { get; init; }

    /// <summary>The cloud.</summary>
    public required CloudProvider Provider { get; init; }

    /// <summary>The region.</summary>
    public required string Region { get; init; }

    /// <summary>The ISO 4217 currency of the prices.</summary>
    public string Currency { get; init; } = "USD";

    /// <summary>On-demand rates, or null when the cluster publishes none.</summary>
    public UnitPrices? OnDemand { get; init; }

    /// <summary>Spot rates, or null when the cluster publishes none.</summary>
    public UnitPrices? Spot { get; init; }

    /// <summary>Round-trip milliseconds from this cluster to client regions.</summary>
    public IReadOnlyDictionary<string, int> LatencyMs { get; init; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>A dense number (0..clusters-1) the snapshot assigns, so plugins can keep per-cluster arrays.</summary>
    public int Ordinal { get; internal set; }

    /// <summary>Builds the scheduler's view of <paramref name="cluster"/>; prices that do not parse name the field.</summary>
    public static ClusterInfo From(SuperCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var name = cluster.Metadata?.Name ?? throw new ArgumentException("SuperCluster has no metadata.name", nameof(cluster));
        var pricing = cluster.Spec.Pricing;
        return new ClusterInfo
        {
            Name = name,
            Provider = cluster.Spec.Provider,
            Region = cluster.Spec.Region,
            Currency = pricing?.Currency ?? "USD",
            OnDemand = pricing?.OnDemand is { } onDemand ? UnitPrices.Parse(onDemand, $"SuperCluster {name}: spec.pricing.onDemand") : null,
            Spot = pricing?.Spot is { } spot ? UnitPrices.Parse(spot, $"SuperCluster {name}: spec.pricing.spot") : null,
            LatencyMs = (cluster.Spec.Latency ?? []).GroupBy(l => l.Location, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Last().LatencyMs, StringComparer.Ordinal),
        };
    }
}
