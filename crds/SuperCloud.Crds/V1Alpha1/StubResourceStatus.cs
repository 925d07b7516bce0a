using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Whether a StubResource is reachable and who uses it.</summary>
public sealed class StubResourceStatus
{
    /// <summary>The metadata.generation the operator last acted on.</summary>
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>Conditions: Ready when the endpoint answers from its location.</summary>
    [ListMap("type")]
    [MaxItems(16)]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>Mirrors the Ready condition, for printing.</summary>
    public bool? Ready { get; set; }

    /// <summary>Names of the SuperPods that use the resource.</summary>
    [ListSet]
    public IList<string>? Consumers { get; set; }
}
