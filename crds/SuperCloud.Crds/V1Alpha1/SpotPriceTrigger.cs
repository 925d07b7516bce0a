using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Migrates a SuperPod when capacity elsewhere is cheaper by at least a given share.</summary>
public sealed class SpotPriceTrigger
{
    /// <summary>The least saving, in percent of the current hourly price, worth a migration.</summary>
    [Minimum(1)]
    [Maximum(100)]
    [Default(20)]
    public int? MinSavingPercent { get; set; }

    /// <summary>The billing period the saving is computed over (<c>1h</c>); the current cluster's billingPeriod when empty.</summary>
    [Pattern(Patterns.Duration)]
    public string? BillingPeriod { get; set; }

    /// <summary>When prices are compared.</summary>
    [Default("BillingBoundary")]
    public PriceEvaluation? EvaluateAt { get; set; }
}
