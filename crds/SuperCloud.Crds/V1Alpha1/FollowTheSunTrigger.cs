using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Moves a SuperPod through the day: by a fixed UTC schedule of regions, or towards the SuperPod's weighted client locations.</summary>
[CelRule("has(self.schedule) != (has(self.useClientLocations) && self.useClientLocations)", "set either schedule or useClientLocations: true")]
public sealed class FollowTheSunTrigger
{
    /// <summary>The region to run in from each UTC hour on; entries must have distinct hours.</summary>
    [MinItems(1)]
    [MaxItems(24)]
    [ListMap("fromHourUTC")]
    public IList<SunScheduleEntry>? Schedule { get; set; }

    /// <summary>Move towards the SuperPod's clientLocations, using the SuperClusters' latency tables.</summary>
    public bool? UseClientLocations { get; set; }

    /// <summary>With useClientLocations: the least drop of client-weighted round-trip time, in percent of the current one, worth a migration.</summary>
    [Minimum(1)]
    [Maximum(100)]
    [Default(20)]
    public int? MinGainPercent { get; set; }
}
