using k8s.Models;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Keeps a SuperPod apart from the SuperPods a selector picks, at the given topology level.</summary>
public sealed class AntiAffinityTerm
{
    /// <summary>The SuperPods (in the same namespace) to stay away from.</summary>
    public required V1LabelSelector SuperPodSelector { get; set; }

    /// <summary>The level at which the SuperPods must differ.</summary>
    public required TopologyLevel Topology { get; set; }
}
