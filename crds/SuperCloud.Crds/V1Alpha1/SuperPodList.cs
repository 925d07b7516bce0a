using k8s;
using k8s.Models;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A list of SuperPods, as returned by list calls.</summary>
[KubernetesEntity(Group = SuperPod.KubeGroup, ApiVersion = SuperPod.KubeApiVersion, Kind = "SuperPodList", PluralName = SuperPod.KubePluralName)]
public sealed class SuperPodList : IKubernetesObject<V1ListMeta>, IItems<SuperPod>
{
    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = "SuperPodList";

    /// <summary>Standard list metadata.</summary>
    public V1ListMeta Metadata { get; set; } = new();

    /// <summary>The SuperPods.</summary>
    public IList<SuperPod> Items { get; set; } = [];
}
