using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Migrates a SuperPod off a spot node that has received an interruption notice.</summary>
public sealed class SpotInterruptionTrigger
{
    /// <summary>Whether interruption notices trigger a migration.</summary>
    [Default(true)]
    public bool? Enabled { get; set; }

    /// <summary>Prefer on-demand capacity for the target, so the SuperPod is not interrupted again.</summary>
    [Default(false)]
    public bool? PreferOnDemand { get; set; }
}
