using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>An amount of host resources: CPUs, memory and SuperPod slots (capacity or allocatable).</summary>
public sealed class NodeResources
{
    /// <summary>Virtual CPUs, as a quantity (<c>8</c>, <c>7500m</c>).</summary>
    [Pattern(Patterns.NonNegativeQuantity)]
    [Minimum(0)]
    public ResourceQuantity? Cpu { get; set; }

    /// <summary>Memory in bytes, as a quantity (<c>32Gi</c>).</summary>
    [Pattern(Patterns.NonNegativeQuantity)]
    [Minimum(0)]
    public ResourceQuantity? Memory { get; set; }

    /// <summary>How many SuperPods fit.</summary>
    [Minimum(0)]
    public int? SuperPods { get; set; }
}
