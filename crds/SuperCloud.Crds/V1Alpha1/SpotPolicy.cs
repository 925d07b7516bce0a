using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Whether a SuperPod may run on spot (preemptible) capacity.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SpotPolicy>))]
public enum SpotPolicy
{
    /// <summary>Spot or on-demand, whichever is cheaper.</summary>
    Allowed,

    /// <summary>Spot only.</summary>
    Required,

    /// <summary>On-demand only.</summary>
    Forbidden,
}
