using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>
/// AntiAffinity: the SuperPod may not share a node, cluster, region or cloud (per term) with placed SuperPods of its namespace
/// that the term's selector picks. Only the incoming pod's terms are checked (placed pods' terms are not made symmetric).
/// </summary>
public sealed class AntiAffinityFilter : IFilterPlugin
{
    /// <summary>Reason when a selected SuperPod already runs in the same topology domain.</summary>
    public const string Reason = "node(s) didn't match SuperPod anti-affinity rules";

    // Resolved once per pod to references and cluster ordinals, so the per-node check hashes no strings.
    private readonly HashSet<NodeInfo> _nodes = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _unknownClusters = new(StringComparer.Ordinal);
    private bool[] _blockedClusters = [];
    private bool _active;

    /// <inheritdoc/>
    public string Name => "AntiAffinity";

    /// <inheritdoc/>
    public void PreFilter(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(snapshot);
        _active = false;
        if (pod.AntiAffinity.Count == 0)
        {
            return;
        }

        _nodes.Clear();
        _unknownClusters.Clear();
        if (_blockedClusters.Length < snapshot.Clusters.Count)
        {
            _blockedClusters = new bool[snapshot.Clusters.Count];
        }

        Array.Clear(_blockedClusters);
        foreach (var term in pod.AntiAffinity)
        {
            foreach (var other in snapshot.PlacedPods(pod.Namespace, term.SuperPodSelector))
            {
                if (other.Key == pod.Key)
                {
                    continue;
                }

                _active = true;
                var cluster = other.Node.Cluster;
                if (term.Topology == TopologyLevel.Node)
                {
                    _nodes.Add(other.Node);
                }
                else if (cluster is null)
                {
                    // A node of an unknown SuperCluster has no region or cloud; only its cluster name can be matched.
                    _unknownClusters.Add(other.Node.ClusterName);
                }
                else
                {
                    foreach (var candidate in snapshot.Clusters)
                    {
                        _blockedClusters[candidate.Ordinal] |= term.Topology switch
                        {
                            TopologyLevel.Cluster => ReferenceEquals(candidate, cluster),
                            TopologyLevel.Region => string.Equals(candidate.Region, cluster.Region, StringComparison.Ordinal),
                            TopologyLevel.Cloud => candidate.Provider == cluster.Provider,
                            _ => false,
                        };
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public bool Filter(NodeInfo node, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(reasons);
        if (!_active)
        {
            return true;
        }

        var conflict = (_nodes.Count > 0 && _nodes.Contains(node))
            || (node.Cluster is { } cluster ? _blockedClusters[cluster.Ordinal] : _unknownClusters.Contains(node.ClusterName));
        if (conflict)
        {
            reasons.Add(Reason);
        }

        return !conflict;
    }
}
