using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A transport protocol, spelled as in Kubernetes Services.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TransportProtocol>))]
public enum TransportProtocol
{
    /// <summary>TCP.</summary>
    [JsonStringEnumMemberName("TCP")]
    Tcp,

    /// <summary>UDP.</summary>
    [JsonStringEnumMemberName("UDP")]
    Udp,
}
