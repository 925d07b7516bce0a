using System.Text.Json;
using System.Text.Json.Serialization;

namespace SuperCloud.Images;

/// <summary>The config blob of a SuperCloud VM image (media type <see cref="MediaTypes.VmConfig"/>).</summary>
public sealed record VmImageConfig
{
    /// <summary>The largest config blob accepted.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The guest's CPU architecture, <c>amd64</c>.</summary>
    [JsonPropertyName("architecture")]
    public string Architecture { get; init; } = "amd64";

    /// <summary>The kernel command line used when the SuperPod gives none (kernel images only).</summary>
    [JsonPropertyName("kernelCmdline")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? KernelCmdline { get; init; }

    /// <summary>Parses config bytes; throws <see cref="RegistryException"/> (InvalidImage) otherwise.</summary>
    public static VmImageConfig Parse(ReadOnlySpan<byte> content)
    {
        try
        {
            return JsonSerializer.Deserialize<VmImageConfig>(content, OciJson.Options)
                ?? throw new RegistryException(RegistryErrorKind.InvalidImage, "the VM image config is empty");
        }
        catch (JsonException ex)
        {
            throw new RegistryException(RegistryErrorKind.InvalidImage, "the VM image config is not valid JSON: " + ex.Message, ex);
        }
    }

    /// <summary>The bytes to push.</summary>
    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, OciJson.Options);
}
