using k8s;
using k8s.Models;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A list of SuperNode objects, as returned by list calls.</summary>
[KubernetesEntity(Group = SuperNode.KubeGroup, ApiVersion = SuperNode.KubeApiVersion, Kind = "SuperNodeList", PluralName = SuperNode.KubePluralName)]
public sealed class SuperNodeList : IKubernetesObject<V1ListMeta>, IItems<SuperNode>
{
    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = "SuperNodeList";

    /// <summary>Standard list metadata.</summary>
    public V1ListMeta Metadata { get; set; } = new();

    /// <summary>The SuperNode objects.</summary>
    public IList<SuperNode> Items { get; set; } = [];
}
