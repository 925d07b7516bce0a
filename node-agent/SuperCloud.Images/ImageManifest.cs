using System.Text.Json;
using System.Text.Json.Serialization;

namespace SuperCloud.Images;

/// <summary>An OCI image manifest (or a Docker schema 2 manifest, which has the same shape): a config and layers.</summary>
public sealed record ImageManifest
{
    /// <summary>Always 2.</summary>
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    /// <summary>The manifest's own media type.</summary>
    [JsonPropertyName("mediaType")]
    public string MediaType { get; init; } = MediaTypes.OciManifest;

    /// <summary>The config blob.</summary>
    [JsonPropertyName("config")]
    public required Descriptor Config { get; init; }

    /// <summary>The layers, in order.</summary>
    [JsonPropertyName("layers")]
    public required IReadOnlyList<Descriptor> Layers { get; init; }

    /// <summary>Annotations of the manifest.</summary>
    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Parses manifest bytes; throws <see cref="RegistryException"/> (InvalidImage) when they are not a manifest.</summary>
    public static ImageManifest Parse(ReadOnlySpan<byte> content)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<ImageManifest>(content, OciJson.Options);
            return manifest is { SchemaVersion: 2, Config: not null, Layers: not null }
                ? manifest
                : throw new RegistryException(RegistryErrorKind.InvalidImage, "the manifest is not an OCI image manifest (schemaVersion 2 with config and layers)");
        }
        catch (JsonException ex)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, "the manifest is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>The canonical bytes to push (their digest is the manifest's digest).</summary>
    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, OciJson.Options);
}
