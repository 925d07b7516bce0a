using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A host's health, capacity and heartbeat, as its agent reports them.</summary>
public sealed class SuperNodeStatus
{
    /// <summary>The metadata.generation the operator last acted on.</summary>
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>Conditions: Ready while the agent heartbeats, InterruptionPending after a spot notice.</summary>
    [ListMap("type")]
    [MaxItems(16)]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>Ready while the agent heartbeats and its hypervisor works, NotReady otherwise.</summary>
    public SuperNodePhase? Phase { get; set; }

    /// <summary>Total resources of the host.</summary>
    public NodeResources? Capacity { get; set; }

    /// <summary>Resources available to SuperPods.</summary>
    public NodeResources? Allocatable { get; set; }

    /// <summary>When the agent last reported.</summary>
    public DateTime? LastHeartbeatTime { get; set; }

    /// <summary>The node agent's version.</summary>
    public string? AgentVersion { get; set; }

    /// <summary>Set when the cloud announced that this spot host will be reclaimed.</summary>
    public InterruptionNotice? InterruptionNotice { get; set; }
}
