using k8s;
using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A SuperPod is a nested virtual machine that SuperCloud runs on one SuperNode at a time and can live-migrate between nodes, clusters and clouds.</summary>
[KubernetesEntity(Group = KubeGroup, ApiVersion = KubeApiVersion, Kind = KubeKind, PluralName = KubePluralName)]
[ShortNames("sp")]
[Categories(SuperCloudApi.Category)]
[PrinterColumn(0, "Phase", "string", ".status.phase")]
[PrinterColumn(1, "Node", "string", ".status.node")]
[PrinterColumn(2, "Cloud", "string", ".status.cloud")]
[PrinterColumn(3, "IP", "string", ".status.ip")]
[PrinterColumn(4, "Age", "date", ".metadata.creationTimestamp")]
[PrinterColumn(5, "Cluster", "string", ".status.cluster", Priority = 1)]
[PrinterColumn(6, "Region", "string", ".status.region", Priority = 1)]
[PrinterColumn(7, "CPU", "string", ".spec.resources.cpu", Priority = 1)]
[PrinterColumn(8, "Memory", "string", ".spec.resources.memory", Priority = 1)]
[PrinterColumn(9, "Rate/h", "string", ".status.cost.ratePerHour", Priority = 1)]
[PrinterColumn(10, "Cost", "string", ".status.cost.accumulated", Priority = 1)]
public sealed class SuperPod : IKubernetesObject<V1ObjectMeta>, ISpec<SuperPodSpec>, IStatus<SuperPodStatus?>
{
    /// <summary>The API group.</summary>
    public const string KubeGroup = SuperCloudApi.Group;

    /// <summary>The API version.</summary>
    public const string KubeApiVersion = SuperCloudApi.Version;

    /// <summary>The kind.</summary>
    public const string KubeKind = "SuperPod";

    /// <summary>The plural resource name used in URLs.</summary>
    public const string KubePluralName = "superpods";

    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata.</summary>
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>The desired state of the SuperPod.</summary>
    public required SuperPodSpec Spec { get; set; }

    /// <summary>The observed state of the SuperPod, written by the operator.</summary>
    public SuperPodStatus? Status { get; set; }
}
