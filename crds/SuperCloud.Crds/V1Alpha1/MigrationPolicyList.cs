using k8s;
using k8s.Models;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A list of MigrationPolicy objects, as returned by list calls.</summary>
[KubernetesEntity(Group = MigrationPolicy.KubeGroup, ApiVersion = MigrationPolicy.KubeApiVersion, Kind = "MigrationPolicyList", PluralName = MigrationPolicy.KubePluralName)]
public sealed class MigrationPolicyList : IKubernetesObject<V1ListMeta>, IItems<MigrationPolicy>
{
    /// <summary>APIVersion defines the versioned schema of this representation of an object.</summary>
    public string ApiVersion { get; set; } = SuperCloudApi.GroupVersion;

    /// <summary>Kind is a string value representing the REST resource this object represents.</summary>
    public string Kind { get; set; } = "MigrationPolicyList";

    /// <summary>Standard list metadata.</summary>
    public V1ListMeta Metadata { get; set; } = new();

    /// <summary>The MigrationPolicy objects.</summary>
    public IList<MigrationPolicy> Items { get; set; } = [];
}
