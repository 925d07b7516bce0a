using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The QEMU accelerator.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Accelerator>))]
public enum Accelerator
{
    /// <summary>Software emulation; works everywhere, including nested in a cloud VM without nested virtualization.</summary>
    [JsonStringEnumMemberName("tcg")]
    Tcg,

    /// <summary>Hardware virtualization through /dev/kvm.</summary>
    [JsonStringEnumMemberName("kvm")]
    Kvm,
}
