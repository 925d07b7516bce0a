using k8s;
using k8s.Models;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A list of StubResource objects, as returned by list calls.</summary>
[KubernetesEntity(Group = StubResource.KubeGroup, ApiVersion = StubResource.KubeApiVersion, Kind = "StubResourceList", PluralName = StubResource.KubePluralName)]
public sealed class StubResourceList : IKubernetesObject<V1ListMeta>, IItems<StubResource>
{
    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = "StubResourceList";

    /// <summary>Standard list metadata.</summary>
    public V1ListMeta Metadata { get; set; } = new();

    /// <summary>The StubResource objects.</summary>
    public IList<StubResource> Items { get; set; } = [];
}
