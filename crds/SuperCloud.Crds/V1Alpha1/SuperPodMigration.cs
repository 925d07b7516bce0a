using k8s;
using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A SuperPodMigration is one live migration of a SuperPod to another node, cluster or cloud, created by a user or by a MigrationPolicy.</summary>
[KubernetesEntity(Group = KubeGroup, ApiVersion = KubeApiVersion, Kind = KubeKind, PluralName = KubePluralName)]
[ShortNames("spm")]
[Categories(SuperCloudApi.Category)]
[PrinterColumn(0, "SuperPod", "string", ".spec.superPod")]
[PrinterColumn(1, "Phase", "string", ".status.phase")]
[PrinterColumn(2, "Source", "string", ".status.source.node")]
[PrinterColumn(3, "Target", "string", ".status.target.node")]
[PrinterColumn(4, "Age", "date", ".metadata.creationTimestamp")]
[PrinterColumn(5, "Reason", "string", ".spec.reason", Priority = 1)]
[PrinterColumn(6, "Downtime", "string", ".status.downtime", Priority = 1)]
[PrinterColumn(7, "Total", "string", ".status.totalTime", Priority = 1)]
public sealed class SuperPodMigration : IKubernetesObject<V1ObjectMeta>, ISpec<SuperPodMigrationSpec>, IStatus<SuperPodMigrationStatus?>
{
    /// <summary>The API group.</summary>
    public const string KubeGroup = SuperCloudApi.Group;

    /// <summary>The API version.</summary>
    public const string KubeApiVersion = SuperCloudApi.Version;

    /// <summary>The kind.</summary>
    public const string KubeKind = "SuperPodMigration";

    /// <summary>The plural resource name used in URLs.</summary>
    public const string KubePluralName = "superpodmigrations";

    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata.</summary>
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>What to migrate, where to, and within which limits; immutable once created.</summary>
    [CelRule("self == oldSelf", "spec is immutable: delete the SuperPodMigration and create a new one to retry")]
    public required SuperPodMigrationSpec Spec { get; set; }

    /// <summary>The progress and outcome of the migration, written by the operator.</summary>
    public SuperPodMigrationStatus? Status { get; set; }
}
