using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>What capacity costs in a SuperCluster; the provider's published prices, when it has any, are in <c>status.prices</c> and take precedence.</summary>
public sealed class Pricing
{
    /// <summary>ISO 4217 currency code of every price.</summary>
    [Pattern("^[A-Z]{3}$")]
    [Default("USD")]
    public string? Currency { get; set; }

    /// <summary>On-demand rates.</summary>
    public PriceRates? OnDemand { get; set; }

    /// <summary>Spot rates.</summary>
    public PriceRates? Spot { get; set; }

    /// <summary>The unit the provider bills in (<c>1h</c>, <c>1s</c>); migrations driven by price wait for its boundary.</summary>
    [Pattern(Patterns.Duration)]
    [Default("1h")]
    public string? BillingPeriod { get; set; }
}
