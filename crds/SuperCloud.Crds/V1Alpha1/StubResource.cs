using k8s;
using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A StubResource is a resource tied to one place (a device, a data set, a service); SuperPods that use it reach it at a fixed local address from any cloud, or are moved next to it.</summary>
[KubernetesEntity(Group = KubeGroup, ApiVersion = KubeApiVersion, Kind = KubeKind, PluralName = KubePluralName)]
[ShortNames("stub")]
[Categories(SuperCloudApi.Category)]
[PrinterColumn(0, "Type", "string", ".spec.type")]
[PrinterColumn(1, "Cluster", "string", ".spec.location.cluster")]
[PrinterColumn(2, "Region", "string", ".spec.location.region")]
[PrinterColumn(3, "Access", "string", ".spec.access")]
[PrinterColumn(4, "Ready", "boolean", ".status.ready")]
[PrinterColumn(5, "Age", "date", ".metadata.creationTimestamp")]
[PrinterColumn(6, "Cloud", "string", ".spec.location.cloud", Priority = 1)]
[PrinterColumn(7, "Endpoint", "string", ".spec.endpoint.host", Priority = 1)]
public sealed class StubResource : IKubernetesObject<V1ObjectMeta>, ISpec<StubResourceSpec>, IStatus<StubResourceStatus?>
{
    /// <summary>The API group.</summary>
    public const string KubeGroup = SuperCloudApi.Group;

    /// <summary>The API version.</summary>
    public const string KubeApiVersion = SuperCloudApi.Version;

    /// <summary>The kind.</summary>
    public const string KubeKind = "StubResource";

    /// <summary>The plural resource name used in URLs.</summary>
    public const string KubePluralName = "stubresources";

    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata.</summary>
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>What the resource is, where it lives and how SuperPods reach it.</summary>
    public required StubResourceSpec Spec { get; set; }

    /// <summary>Whether the resource is reachable and who uses it, written by the operator.</summary>
    public StubResourceStatus? Status { get; set; }
}
