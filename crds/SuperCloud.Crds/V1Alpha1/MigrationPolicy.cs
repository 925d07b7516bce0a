using k8s;
using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A MigrationPolicy says which SuperPods move automatically and when: on spot prices, spot interruptions, client proximity or stub access, within limits, a cooldown and a daily budget.</summary>
[KubernetesEntity(Group = KubeGroup, ApiVersion = KubeApiVersion, Kind = KubeKind, PluralName = KubePluralName)]
[ClusterScoped]
[ShortNames("mp")]
[Categories(SuperCloudApi.Category)]
[PrinterColumn(0, "Priority", "integer", ".spec.priority")]
[PrinterColumn(1, "Cooldown", "string", ".spec.cooldown")]
[PrinterColumn(2, "Budget", "integer", ".spec.dailyBudget")]
[PrinterColumn(3, "Matched", "integer", ".status.matchedSuperPods")]
[PrinterColumn(4, "Age", "date", ".metadata.creationTimestamp")]
public sealed class MigrationPolicy : IKubernetesObject<V1ObjectMeta>, ISpec<MigrationPolicySpec>, IStatus<MigrationPolicyStatus?>
{
    /// <summary>The API group.</summary>
    public const string KubeGroup = SuperCloudApi.Group;

    /// <summary>The API version.</summary>
    public const string KubeApiVersion = SuperCloudApi.Version;

    /// <summary>The kind.</summary>
    public const string KubeKind = "MigrationPolicy";

    /// <summary>The plural resource name used in URLs.</summary>
    public const string KubePluralName = "migrationpolicies";

    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata.</summary>
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Which SuperPods the policy governs, what triggers a migration, and the limits that apply.</summary>
    public required MigrationPolicySpec Spec { get; set; }

    /// <summary>What the policy currently matches and has done, written by the operator.</summary>
    public MigrationPolicyStatus? Status { get; set; }
}
