using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The hypervisor a node agent drives.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Hypervisor>))]
public enum Hypervisor
{
    /// <summary>QEMU, driven through QMP.</summary>
    [JsonStringEnumMemberName("qemu")]
    Qemu,

    /// <summary>Xen, driven through the native shim.</summary>
    [JsonStringEnumMemberName("xen")]
    Xen,
}
