using k8s;
using k8s.Models;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A list of SuperPodMigration objects, as returned by list calls.</summary>
[KubernetesEntity(Group = SuperPodMigration.KubeGroup, ApiVersion = SuperPodMigration.KubeApiVersion, Kind = "SuperPodMigrationList", PluralName = SuperPodMigration.KubePluralName)]
public sealed class SuperPodMigrationList : IKubernetesObject<V1ListMeta>, IItems<SuperPodMigration>
{
    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = "SuperPodMigrationList";

    /// <summary>Standard list metadata.</summary>
    public V1ListMeta Metadata { get; set; } = new();

    /// <summary>The SuperPodMigration objects.</summary>
    public IList<SuperPodMigration> Items { get; set; } = [];
}
