using k8s.Models;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Selects SuperPods by the labels of their namespace and their own labels; both must match, and an empty selector matches all.</summary>
public sealed class MigrationPolicySelectors
{
    /// <summary>Labels of the namespaces whose SuperPods the policy governs.</summary>
    public V1LabelSelector? NamespaceSelector { get; set; }

    /// <summary>Labels of the SuperPods the policy governs.</summary>
    public V1LabelSelector? SuperPodSelector { get; set; }
}
