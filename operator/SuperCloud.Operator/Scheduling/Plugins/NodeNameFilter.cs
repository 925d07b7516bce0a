namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>NodeName: keeps only the requested node when one is named, and drops excluded nodes (a migration's source).</summary>
public sealed class NodeNameFilter : IFilterPlugin
{
    /// <summary>The reason for a node other than the requested one (kube-scheduler's wording).</summary>
    public const string OtherNodeReason = "node(s) didn't match the requested node name";

    /// <summary>The reason for an excluded node.</summary>
    public const string ExcludedReason = "node(s) were the migration's source";

    private string? _nodeName;
    private IReadOnlySet<string>? _excluded;

    /// <inheritdoc/>
    public string Name => "NodeName";

    /// <inheritdoc/>
    public void PreFilter(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        _nodeName = pod.NodeName;
        _excluded = pod.ExcludedNodes;
    }

    /// <inheritdoc/>
    public bool Filter(NodeInfo node, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(reasons);
        if (_excluded?.Contains(node.Name) == true)
        {
            reasons.Add(ExcludedReason);
            return false;
        }

        if (_nodeName is not null && _nodeName != node.Name)
        {
            reasons.Add(OtherNodeReason);
            return false;
        }

        return true;
    }
}
