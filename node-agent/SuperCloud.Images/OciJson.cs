using System.Text.Json;

namespace SuperCloud.Images;

/// <summary>The JSON settings of OCI documents: as written, compact, unknown members ignored.</summary>
internal static class OciJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General) { WriteIndented = false };
}
