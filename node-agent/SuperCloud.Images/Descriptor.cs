using System.Text.Json.Serialization;

namespace SuperCloud.Images;

/// <summary>An OCI content descriptor: what a manifest says about one blob or manifest it points at.</summary>
public sealed record Descriptor
{
    /// <summary>The media type of the content.</summary>
    [JsonPropertyName("mediaType")]
    public required string MediaType { get; init; }

    /// <summary>The digest of the content, <c>sha256:…</c>.</summary>
    [JsonPropertyName("digest")]
    public required string Digest { get; init; }

    /// <summary>The size of the content in bytes.</summary>
    [JsonPropertyName("size")]
    public required long Size { get; init; }

    /// <summary>Annotations, such as <c>org.opencontainers.image.title</c>.</summary>
    [JsonPropertyName("annotations")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Index entries only: the platform the manifest is for.</summary>
    [JsonPropertyName("platform")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Platform? Platform { get; init; }

    /// <summary>The digest, parsed; throws <see cref="RegistryException"/> when the registry sent a malformed one.</summary>
    public Digest ParsedDigest() =>
        Images.Digest.TryParse(Digest, out var digest) ? digest
            : throw new RegistryException(RegistryErrorKind.InvalidImage, $"a descriptor carries the digest '{Digest}', which is not a sha256 digest");
}
