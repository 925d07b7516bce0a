using k8s;
using k8s.Models;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A list of SuperCluster objects, as returned by list calls.</summary>
[KubernetesEntity(Group = SuperCluster.KubeGroup, ApiVersion = SuperCluster.KubeApiVersion, Kind = "SuperClusterList", PluralName = SuperCluster.KubePluralName)]
public sealed class SuperClusterList : IKubernetesObject<V1ListMeta>, IItems<SuperCluster>
{
    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = "SuperClusterList";

    /// <summary>Standard list metadata.</summary>
    public V1ListMeta Metadata { get; set; } = new();

    /// <summary>The SuperCluster objects.</summary>
    public IList<SuperCluster> Items { get; set; } = [];
}
