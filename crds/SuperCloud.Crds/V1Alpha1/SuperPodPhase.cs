using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The lifecycle phase of a SuperPod.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SuperPodPhase>))]
public enum SuperPodPhase
{
    /// <summary>Accepted, not yet considered by the scheduler.</summary>
    Pending,

    /// <summary>The scheduler is looking for a node.</summary>
    Scheduling,

    /// <summary>A node was chosen; the VM is not started yet.</summary>
    Scheduled,

    /// <summary>The node agent is booting the VM.</summary>
    Starting,

    /// <summary>The VM runs.</summary>
    Running,

    /// <summary>The VM is being live-migrated.</summary>
    Migrating,

    /// <summary>The VM is stopped (runStrategy Halted, or the guest shut down).</summary>
    Stopped,

    /// <summary>The VM failed and will not be restarted.</summary>
    Failed,

    /// <summary>The node's agent stopped reporting.</summary>
    Unknown,
}
