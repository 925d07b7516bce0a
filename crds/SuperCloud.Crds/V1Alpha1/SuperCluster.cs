using k8s;
using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A SuperCluster is a pool of hosts in one cloud and region, with its provider settings, prices, latencies to client locations and overlay network range.</summary>
[KubernetesEntity(Group = KubeGroup, ApiVersion = KubeApiVersion, Kind = KubeKind, PluralName = KubePluralName)]
[ClusterScoped]
[ShortNames("scl")]
[Categories(SuperCloudApi.Category)]
[PrinterColumn(0, "Cloud", "string", ".spec.provider")]
[PrinterColumn(1, "Region", "string", ".spec.region")]
[PrinterColumn(2, "Ready", "integer", ".status.readyNodes")]
[PrinterColumn(3, "Nodes", "integer", ".status.nodes")]
[PrinterColumn(4, "Age", "date", ".metadata.creationTimestamp")]
[PrinterColumn(5, "Zone", "string", ".spec.zone", Priority = 1)]
[PrinterColumn(6, "Rate/h", "string", ".status.cost.ratePerHour", Priority = 1)]
[PrinterColumn(7, "Cost", "string", ".status.cost.accumulated", Priority = 1)]
[PrinterColumn(8, "On-demand", "string", ".status.cost.onDemandAccumulated", Priority = 1)]
public sealed class SuperCluster : IKubernetesObject<V1ObjectMeta>, ISpec<SuperClusterSpec>, IStatus<SuperClusterStatus?>
{
    /// <summary>The API group.</summary>
    public const string KubeGroup = SuperCloudApi.Group;

    /// <summary>The API version.</summary>
    public const string KubeApiVersion = SuperCloudApi.Version;

    /// <summary>The kind.</summary>
    public const string KubeKind = "SuperCluster";

    /// <summary>The plural resource name used in URLs.</summary>
    public const string KubePluralName = "superclusters";

    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata.</summary>
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>The cloud, region, provider settings, prices and network settings of the cluster.</summary>
    public required SuperClusterSpec Spec { get; set; }

    /// <summary>Node counts and resource totals, written by the operator.</summary>
    public SuperClusterStatus? Status { get; set; }
}
