using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Policies;

/// <summary>What the policy engine knows of a SuperCluster: place, effective prices (observed over configured), billing period, latency table.</summary>
/// <param name="Name">The SuperCluster name.</param>
/// <param name="Provider">Its cloud.</param>
/// <param name="Region">Its region.</param>
/// <param name="Spot">Spot rates, or null when it sells none.</param>
/// <param name="OnDemand">On-demand rates, or null when it publishes none.</param>
/// <param name="BillingPeriod">The unit the provider bills in.</param>
/// <param name="LatencyMs">Round-trip milliseconds to client regions.</param>
/// <param name="ProvisionTime">How long the provider takes to start a host, when the engine may choose the cluster without a free node; null when it cannot.</param>
public sealed record PolicyCluster(
    string Name,
    CloudProvider Provider,
    string Region,
    UnitPrices? Spot,
    UnitPrices? OnDemand,
    TimeSpan BillingPeriod,
    IReadOnlyDictionary<string, int> LatencyMs,
    TimeSpan? ProvisionTime = null)
{
    /// <summary>The rates a host of this cluster bills at: spot rates on spot hosts (on-demand when the cluster sells no spot), on-demand otherwise.</summary>
    public UnitPrices? RatesFor(bool spot) => spot ? Spot ?? OnDemand : OnDemand;
}
