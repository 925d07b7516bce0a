namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Names shared by every SuperCloud kind: API group, version and the kubectl category.</summary>
public static class SuperCloudApi
{
    /// <summary>The API group of every SuperCloud kind.</summary>
    public const string Group = "supercloud.dev";

    /// <summary>The API version this namespace describes.</summary>
    public const string Version = "v1alpha1";

    /// <summary>The <c>apiVersion</c> field value: group/version.</summary>
    public const string GroupVersion = Group + "/" + Version;

    /// <summary>The kubectl category that lists every SuperCloud kind (<c>kubectl get supercloud</c>).</summary>
    public const string Category = "supercloud";

    /// <summary>
    /// SuperNode annotation: with value <c>true</c> on a cordoned node (spec.unschedulable), every SuperPod on it is
    /// live-migrated away (SuperPodMigrations with reason NodeDrain), like <c>kubectl drain</c> evicts pods.
    /// </summary>
    public const string DrainAnnotation = Group + "/drain";

    /// <summary>Label on a SuperPodMigration created by a drain: the SuperNode being drained.</summary>
    public const string DrainedNodeLabel = Group + "/drained-node";

    /// <summary>Label on a SuperPodMigration a MigrationPolicy created: the policy's name.</summary>
    public const string MigrationPolicyLabel = Group + "/migration-policy";

    /// <summary>Taint key (effect NoSchedule) the operator puts on a SuperNode under a spot interruption notice; its value is the notice's action.</summary>
    public const string InterruptionTaint = Group + "/interruption";
}
