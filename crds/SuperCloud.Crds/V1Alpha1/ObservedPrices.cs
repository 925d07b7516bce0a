using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The prices the operator last read from a SuperCluster's provider; they override <c>spec.pricing</c> while fresh.</summary>
public sealed class ObservedPrices
{
    /// <summary>Spot rates as the provider publishes them now.</summary>
    public PriceRates? Spot { get; set; }

    /// <summary>On-demand rates as the provider publishes them now.</summary>
    public PriceRates? OnDemand { get; set; }

    /// <summary>When the provider last answered with these prices.</summary>
    public DateTime? ObservedTime { get; set; }

    /// <summary>Where the prices came from (<c>ec2:DescribeSpotPriceHistory</c>, <c>spec</c>).</summary>
    [MaxLength(253)]
    public string? Source { get; set; }

    /// <summary>Why the prices are stale, when the last read failed; the last prices are kept.</summary>
    [MaxLength(1024)]
    public string? Message { get; set; }
}
