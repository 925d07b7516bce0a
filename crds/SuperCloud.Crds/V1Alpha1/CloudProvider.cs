using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The cloud a SuperCluster lives in.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CloudProvider>))]
public enum CloudProvider
{
    /// <summary>Amazon Web Services (EC2).</summary>
    [JsonStringEnumMemberName("aws")]
    Aws,

    /// <summary>Google Cloud (Compute Engine).</summary>
    [JsonStringEnumMemberName("gcp")]
    Gcp,

    /// <summary>Microsoft Azure (Virtual Machines).</summary>
    [JsonStringEnumMemberName("azure")]
    Azure,

    /// <summary>Hosts the operator does not provision: a data centre, a lab, a laptop.</summary>
    [JsonStringEnumMemberName("onprem")]
    OnPrem,
}
