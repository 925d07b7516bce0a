using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Moves a SuperPod next to the StubResources it uses whose access is MoveToResource.</summary>
public sealed class StubAccessTrigger
{
    /// <summary>Whether stub access triggers a migration.</summary>
    [Default(true)]
    public bool? Enabled { get; set; }
}
