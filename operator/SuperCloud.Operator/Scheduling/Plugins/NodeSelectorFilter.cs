namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>NodeSelector: the node must carry every label of placement.nodeSelector.</summary>
public sealed class NodeSelectorFilter : IFilterPlugin
{
    /// <summary>Reason when a label is missing or differs (kube-scheduler's wording, for SuperPods).</summary>
    public const string Reason = "node(s) didn't match SuperPod's node selector";

    private KeyValuePair<string, string>[] _selector = [];

    /// <inheritdoc/>
    public string Name => "NodeSelector";

    /// <inheritdoc/>
    public void PreFilter(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        _selector = pod.NodeSelector is null ? [] : [.. pod.NodeSelector];
    }

    /// <inheritdoc/>
    public bool Filter(NodeInfo node, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(reasons);
        foreach (var (key, value) in _selector)
        {
            if (!node.Labels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                reasons.Add(Reason);
                return false;
            }
        }

        return true;
    }
}
