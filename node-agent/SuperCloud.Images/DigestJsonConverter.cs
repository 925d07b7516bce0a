using System.Text.Json;
using System.Text.Json.Serialization;

namespace SuperCloud.Images;

/// <summary>Reads and writes a <see cref="Digest"/> as its <c>sha256:…</c> string.</summary>
public sealed class DigestJsonConverter : JsonConverter<Digest>
{
    /// <inheritdoc />
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Digest.TryParse(reader.GetString(), out var digest) ? digest : throw new JsonException($"'{reader.GetString()}' is not a sha256 digest");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
