using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Whether a SuperPod's virtual machine should run, as KubeVirt's runStrategy.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunStrategy>))]
public enum RunStrategy
{
    /// <summary>Keep the VM running; restart it whenever it stops.</summary>
    Always,

    /// <summary>Keep the VM stopped.</summary>
    Halted,

    /// <summary>Start and stop only on explicit request; never restart on its own.</summary>
    Manual,

    /// <summary>Restart the VM when it fails, not when the guest shuts down cleanly.</summary>
    RerunOnFailure,
}
