using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A StubResource a SuperPod uses.</summary>
public sealed class StubAttachment
{
    /// <summary>The StubResource name in the SuperPod's namespace.</summary>
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    public required string Name { get; set; }

    /// <summary>When true the SuperPod starts even if the stub is not ready.</summary>
    [Default(false)]
    public bool? Optional { get; set; }
}
