using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Round-trip latency from a cluster to one client location.</summary>
public sealed class LatencyEntry
{
    /// <summary>The location: a region name as used in SuperPod clientLocations.</summary>
    [Pattern(Patterns.Region)]
    [MaxLength(63)]
    public required string Location { get; set; }

    /// <summary>Round-trip time in milliseconds.</summary>
    [Minimum(0)]
    [Maximum(10000)]
    public required int LatencyMs { get; set; }
}
