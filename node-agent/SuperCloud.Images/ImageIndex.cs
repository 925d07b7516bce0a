using System.Text.Json;
using System.Text.Json.Serialization;

namespace SuperCloud.Images;

/// <summary>An OCI image index (or Docker manifest list): one manifest per platform.</summary>
public sealed record ImageIndex
{
    /// <summary>Always 2.</summary>
    [JsonPropertyName("schemaVersion")]
    public int SchemaVersion { get; init; } = 2;

    /// <summary>The index's own media type.</summary>
    [JsonPropertyName("mediaType")]
    public string MediaType { get; init; } = MediaTypes.OciIndex;

    /// <summary>The manifests.</summary>
    [JsonPropertyName("manifests")]
    public required IReadOnlyList<Descriptor> Manifests { get; init; }

    /// <summary>Parses index bytes; throws <see cref="RegistryException"/> (InvalidImage) when they are not an index.</summary>
    public static ImageIndex Parse(ReadOnlySpan<byte> content)
    {
        try
        {
            return JsonSerializer.Deserialize<ImageIndex>(content, OciJson.Options) is { Manifests: not null } index
                ? index
                : throw new RegistryException(RegistryErrorKind.InvalidImage, "the index lists no manifests");
        }
        catch (JsonException ex)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, "the index is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>The bytes to push.</summary>
    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, OciJson.Options);

    /// <summary>The manifest for linux/<paramref name="architecture"/>, or the only one when the index has one that names no platform.</summary>
    public Descriptor? Select(string architecture) =>
        Manifests.FirstOrDefault(m => m.Platform is { Os: "linux" } p && p.Architecture == architecture)
        ?? (Manifests is [{ Platform: null } only] ? only : null);
}
