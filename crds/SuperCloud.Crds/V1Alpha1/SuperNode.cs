using k8s;
using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A SuperNode is one host running the SuperCloud node agent, on which SuperPods run.</summary>
[KubernetesEntity(Group = KubeGroup, ApiVersion = KubeApiVersion, Kind = KubeKind, PluralName = KubePluralName)]
[ClusterScoped]
[ShortNames("sn")]
[Categories(SuperCloudApi.Category)]
[PrinterColumn(0, "Cluster", "string", ".spec.cluster")]
[PrinterColumn(1, "Phase", "string", ".status.phase")]
[PrinterColumn(2, "Hypervisor", "string", ".spec.hypervisor")]
[PrinterColumn(3, "Spot", "boolean", ".spec.spot")]
[PrinterColumn(4, "Age", "date", ".metadata.creationTimestamp")]
[PrinterColumn(5, "Accelerator", "string", ".spec.accelerator", Priority = 1)]
[PrinterColumn(6, "Agent", "string", ".status.agentVersion", Priority = 1)]
[PrinterColumn(7, "Heartbeat", "date", ".status.lastHeartbeatTime", Priority = 1)]
public sealed class SuperNode : IKubernetesObject<V1ObjectMeta>, ISpec<SuperNodeSpec>, IStatus<SuperNodeStatus?>
{
    /// <summary>The API group.</summary>
    public const string KubeGroup = SuperCloudApi.Group;

    /// <summary>The API version.</summary>
    public const string KubeApiVersion = SuperCloudApi.Version;

    /// <summary>The kind.</summary>
    public const string KubeKind = "SuperNode";

    /// <summary>The plural resource name used in URLs.</summary>
    public const string KubePluralName = "supernodes";

    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata.</summary>
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>The host's cluster, hypervisor, agent endpoint and scheduling settings.</summary>
    public required SuperNodeSpec Spec { get; set; }

    /// <summary>The host's health, capacity and heartbeat, written by the operator from the agent's reports.</summary>
    public SuperNodeStatus? Status { get; set; }
}
