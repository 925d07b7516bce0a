using System.Text.Json.Serialization;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A place a SuperPod's clients are, given as a region or as coordinates, with a relative weight.</summary>
[CelRule("has(self.region) != has(self.latitude)", "give either region or latitude and longitude")]
[CelRule("has(self.latitude) == has(self.longitude)", "latitude and longitude go together", FieldPath = ".longitude", Reason = "FieldValueRequired")]
[CelRule("has(self.activeFromHourUTC) == has(self.activeToHourUTC)", "activeFromHourUTC and activeToHourUTC go together", FieldPath = ".activeToHourUTC", Reason = "FieldValueRequired")]
public sealed class ClientLocation
{
    /// <summary>A name for the location, unique within the SuperPod.</summary>
    [Pattern(Patterns.DnsLabel)]
    [MaxLength(63)]
    public required string Name { get; set; }

    /// <summary>The region the clients are in, matched against SuperCluster latency tables.</summary>
    [Pattern(Patterns.Region)]
    [MaxLength(63)]
    public string? Region { get; set; }

    /// <summary>Latitude in decimal degrees, as a string (<c>40.7128</c>).</summary>
    [Pattern(Patterns.Latitude)]
    public string? Latitude { get; set; }

    /// <summary>Longitude in decimal degrees, as a string (<c>-74.006</c>).</summary>
    [Pattern(Patterns.Longitude)]
    public string? Longitude { get; set; }

    /// <summary>Relative share of the traffic from this location.</summary>
    [Minimum(1)]
    [Maximum(100)]
    [Default(1)]
    public int? Weight { get; set; }

    /// <summary>The UTC hour (0-23) from which these clients are active, so their weight can follow the time of day; always active when unset.</summary>
    [JsonPropertyName("activeFromHourUTC")]
    [Minimum(0)]
    [Maximum(23)]
    public int? ActiveFromHourUtc { get; set; }

    /// <summary>The first UTC hour (0-23) at which these clients are no longer active; before activeFromHourUTC means the active hours wrap midnight.</summary>
    [JsonPropertyName("activeToHourUTC")]
    [Minimum(0)]
    [Maximum(23)]
    public int? ActiveToHourUtc { get; set; }
}
