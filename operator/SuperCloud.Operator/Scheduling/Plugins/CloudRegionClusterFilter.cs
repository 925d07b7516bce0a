namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>CloudRegionCluster: the node's cluster must be in the allowed clouds, regions and clusters, and not in an excluded cloud.</summary>
public sealed class CloudRegionClusterFilter : IFilterPlugin
{
    /// <summary>Reason when the node's cloud is not allowed or excluded.</summary>
    public const string CloudReason = "node(s) didn't match cloud constraint";

    /// <summary>Reason when the node's region is not allowed.</summary>
    public const string RegionReason = "node(s) didn't match region constraint";

    /// <summary>Reason when the node's cluster is not allowed.</summary>
    public const string ClusterReason = "node(s) didn't match cluster constraint";

    /// <summary>Reason when the node's SuperCluster does not exist and the pod constrains its place.</summary>
    public const string UnknownClusterReason = "node(s) belonged to an unknown SuperCluster";

    // Per cluster ordinal: null when allowed, else the reason; clusters are few, nodes are many.
    private string?[] _verdicts = [];
    private bool _constrained;

    /// <inheritdoc/>
    public string Name => "CloudRegionCluster";

    /// <inheritdoc/>
    public void PreFilter(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(snapshot);
        _constrained = pod.Clouds is not null || pod.ExcludedClouds is not null || pod.Regions is not null || pod.Clusters is not null;
        if (_verdicts.Length < snapshot.Clusters.Count)
        {
            _verdicts = new string?[snapshot.Clusters.Count];
        }

        foreach (var cluster in snapshot.Clusters)
        {
            _verdicts[cluster.Ordinal] =
                (pod.Clouds is not null && !pod.Clouds.Contains(cluster.Provider)) || (pod.ExcludedClouds?.Contains(cluster.Provider) ?? false) ? CloudReason
                : pod.Regions is not null && !pod.Regions.Contains(cluster.Region) ? RegionReason
                : pod.Clusters is not null && !pod.Clusters.Contains(cluster.Name) ? ClusterReason
                : null;
        }
    }

    /// <inheritdoc/>
    public bool Filter(NodeInfo node, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(reasons);
        if (!_constrained)
        {
            return true;
        }

        var reason = node.Cluster is null ? UnknownClusterReason : _verdicts[node.Cluster.Ordinal];
        if (reason is null)
        {
            return true;
        }

        reasons.Add(reason);
        return false;
    }
}
