using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>What a SuperPod (or a SuperCluster's SuperPods together) has cost, in the SuperCluster's pricing currency.</summary>
public sealed class CostStatus
{
    /// <summary>ISO 4217 currency code of every amount.</summary>
    [Pattern("^[A-Z]{3}$")]
    public string? Currency { get; set; }

    /// <summary>What running costs now, per hour, at the rate of where it runs.</summary>
    [Pattern(Patterns.Price)]
    public string? RatePerHour { get; set; }

    /// <summary>Whether the current rate is a spot or an on-demand rate.</summary>
    public CapacityType? Capacity { get; set; }

    /// <summary>Accumulated cost since accounting began, each period at the rate then in force.</summary>
    [Pattern(Patterns.Price)]
    public string? Accumulated { get; set; }

    /// <summary>What the same time on on-demand capacity in the same regions would have cost.</summary>
    [Pattern(Patterns.Price)]
    public string? OnDemandAccumulated { get; set; }

    /// <summary>When accounting began.</summary>
    public DateTime? Since { get; set; }

    /// <summary>The instant the accumulated amounts are accounted up to.</summary>
    public DateTime? LastUpdated { get; set; }
}
