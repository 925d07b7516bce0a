namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>NodeUnschedulable: skips cordoned nodes (spec.unschedulable) and nodes whose agent is not Ready.</summary>
public sealed class NodeUnschedulableFilter : IFilterPlugin
{
    /// <summary>The reason for a cordoned node (kube-scheduler's wording).</summary>
    public const string CordonedReason = "node(s) were unschedulable";

    /// <summary>The reason for a node that is not Ready.</summary>
    public const string NotReadyReason = "node(s) were not ready";

    /// <inheritdoc/>
    public string Name => "NodeUnschedulable";

    /// <inheritdoc/>
    public void PreFilter(PodRequest pod, ClusterSnapshot snapshot)
    {
    }

    /// <inheritdoc/>
    public bool Filter(NodeInfo node, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(reasons);
        if (node.Unschedulable)
        {
            reasons.Add(CordonedReason);
            return false;
        }

        if (!node.Ready)
        {
            reasons.Add(NotReadyReason);
            return false;
        }

        return true;
    }
}
