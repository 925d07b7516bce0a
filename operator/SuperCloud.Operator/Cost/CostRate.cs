using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Cost;

/// <summary>
/// What a SuperPod costs per hour where it runs now, beside what on-demand capacity in the same region would cost,
/// and since when the rate is known to hold (the price feed's observation time; null means "now").
/// </summary>
/// <param name="Currency">ISO 4217 code of both rates.</param>
/// <param name="PerHour">The rate of the host it runs on (its capacity type's price); zero while it runs nowhere.</param>
/// <param name="Capacity">Spot or on-demand, or null while it runs nowhere.</param>
/// <param name="OnDemandPerHour">The on-demand rate in the same cluster; zero while it runs nowhere.</param>
/// <param name="ObservedSince">When the provider's prices behind this rate were read, when they come from status.prices.</param>
public sealed record CostRate(string Currency, decimal PerHour, CapacityType? Capacity, decimal OnDemandPerHour, DateTime? ObservedSince = null)
{
    private static readonly SuperPodPhase[] Billed = [SuperPodPhase.Starting, SuperPodPhase.Running, SuperPodPhase.Migrating];

    /// <summary>The rate of a SuperPod that runs nowhere.</summary>
    public static CostRate Idle(string currency) => new(currency, 0, null, 0);

    /// <summary>
    /// The rate of <paramref name="pod"/> on <paramref name="node"/> in <paramref name="cluster"/>: its vCPUs and GiB at the
    /// cluster's spot prices on a spot host (on-demand when the cluster has no spot price) and its on-demand prices
    /// otherwise; status.prices (the provider's) take precedence over spec.pricing for each of the two while present.
    /// A SuperPod costs while a host holds its VM: starting, running or migrating (charged to the source until the switch).
    /// </summary>
    public static CostRate For(SuperPod pod, SuperNode? node, SuperCluster? cluster)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var currency = cluster?.Spec.Pricing?.Currency ?? "USD";
        if (node is null || cluster is null || pod.Status?.Phase is not { } phase || !Billed.Contains(phase))
        {
            return Idle(currency);
        }

        var name = cluster.Metadata.Name;
        var observed = cluster.Status?.Prices;
        var onDemandRates = observed?.OnDemand is { } od ? UnitPrices.Parse(od, $"SuperCluster {name}: status.prices.onDemand")
            : cluster.Spec.Pricing?.OnDemand is { } specOd ? UnitPrices.Parse(specOd, $"SuperCluster {name}: spec.pricing.onDemand")
            : null;
        var spotRates = observed?.Spot is { } spot ? UnitPrices.Parse(spot, $"SuperCluster {name}: status.prices.spot")
            : cluster.Spec.Pricing?.Spot is { } specSpot ? UnitPrices.Parse(specSpot, $"SuperCluster {name}: spec.pricing.spot")
            : null;
        var milliCpu = Quantities.MilliCpu(pod.Spec.Resources.Cpu, "spec.resources.cpu");
        var bytes = Quantities.Bytes(pod.Spec.Resources.Memory, "spec.resources.memory");
        var onDemand = onDemandRates?.ShareCost(milliCpu, bytes) ?? 0;
        var isSpot = node.Spec.Spot == true;
        var rate = isSpot ? spotRates?.ShareCost(milliCpu, bytes) ?? onDemand : onDemand;
        var fromObserved = isSpot ? observed?.Spot is not null : observed?.OnDemand is not null;
        return new CostRate(currency, rate, isSpot ? CapacityType.Spot : CapacityType.OnDemand, onDemand, fromObserved ? observed?.ObservedTime : null);
    }

    /// <summary>True when both rates, the capacity and the currency are the same.</summary>
    public bool SameAs(CostRate other) =>
        other is not null && PerHour == other.PerHour && OnDemandPerHour == other.OnDemandPerHour && Capacity == other.Capacity
        && string.Equals(Currency, other.Currency, StringComparison.Ordinal);
}
