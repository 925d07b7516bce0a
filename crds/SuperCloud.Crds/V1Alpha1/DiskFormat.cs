using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The on-disk format of a boot image.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DiskFormat>))]
public enum DiskFormat
{
    /// <summary>QEMU copy-on-write v2.</summary>
    [JsonStringEnumMemberName("qcow2")]
    Qcow2,

    /// <summary>A raw disk image.</summary>
    [JsonStringEnumMemberName("raw")]
    Raw,
}
