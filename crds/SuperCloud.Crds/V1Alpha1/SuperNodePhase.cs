using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Whether a SuperNode can run SuperPods.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SuperNodePhase>))]
public enum SuperNodePhase
{
    /// <summary>The agent heartbeats and the hypervisor works.</summary>
    Ready,

    /// <summary>The agent is silent or reports a fault.</summary>
    NotReady,
}
