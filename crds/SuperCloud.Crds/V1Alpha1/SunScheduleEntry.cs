using System.Text.Json.Serialization;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>From this UTC hour until the next entry's, run in this region.</summary>
public sealed class SunScheduleEntry
{
    /// <summary>The UTC hour (0-23) the entry starts at.</summary>
    [JsonPropertyName("fromHourUTC")]
    [Minimum(0)]
    [Maximum(23)]
    public required int FromHourUtc { get; set; }

    /// <summary>The region to run in.</summary>
    [Pattern(Patterns.Region)]
    [MaxLength(63)]
    public required string Region { get; set; }
}
