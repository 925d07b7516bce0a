using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A level of the placement hierarchy, from one host to one cloud.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TopologyLevel>))]
public enum TopologyLevel
{
    /// <summary>One SuperNode.</summary>
    Node,

    /// <summary>One SuperCluster.</summary>
    Cluster,

    /// <summary>One region.</summary>
    Region,

    /// <summary>One cloud provider.</summary>
    Cloud,
}
