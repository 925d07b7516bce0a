using System.Text.Json.Serialization;

namespace SuperCloud.Images;

/// <summary>The platform of one manifest in an image index.</summary>
public sealed record Platform
{
    /// <summary>CPU architecture, e.g. <c>amd64</c>.</summary>
    [JsonPropertyName("architecture")]
    public required string Architecture { get; init; }

    /// <summary>Operating system, e.g. <c>linux</c>.</summary>
    [JsonPropertyName("os")]
    public required string Os { get; init; }
}
