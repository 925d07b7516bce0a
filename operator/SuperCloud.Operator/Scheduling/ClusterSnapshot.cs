using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Scheduling;

/// <summary>
/// The scheduler's in-memory world: clusters (prices, latency tables), nodes with their allocatable and the resources
/// already assigned or in flight, the placed SuperPods (indexed by namespace and label for anti-affinity) and stub
/// locations. Not thread-safe: one writer at a time (the scheduling controller serialises its cycles).
/// </summary>
public sealed class ClusterSnapshot
{
    private readonly List<NodeInfo> _nodes = [];
    private readonly Dictionary<string, NodeInfo> _nodesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ClusterInfo> _clusters = new(StringComparer.Ordinal);
    private readonly Dictionary<ObjectKey, PlacedPod> _pods = [];
    private readonly Dictionary<string, NamespacePods> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<ObjectKey, StubLocation> _stubs = [];

    /// <summary>Every node, in a stable order.</summary>
    public IReadOnlyList<NodeInfo> Nodes => _nodes;

    /// <summary>Every cluster.</summary>
    public IReadOnlyCollection<ClusterInfo> Clusters => _clusters.Values;

    /// <summary>How many SuperPods hold resources (bound or assumed).</summary>
    public int PlacedCount => _pods.Count;

    /// <summary>Builds a snapshot from cached objects: SuperPods count where status.node is set, unless Failed or being deleted with no node.</summary>
    public static ClusterSnapshot Build(
        IEnumerable<SuperCluster> clusters, IEnumerable<SuperNode> nodes, IEnumerable<SuperPod> pods, IEnumerable<StubResource>? stubs = null)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(pods);
        var snapshot = new ClusterSnapshot();
        foreach (var cluster in clusters)
        {
            snapshot.AddCluster(ClusterInfo.From(cluster));
        }

        foreach (var node in nodes.OrderBy(n => n.Metadata.Name, StringComparer.Ordinal))
        {
            snapshot.AddNode(NodeInfo.From(node, snapshot.Cluster(node.Spec.Cluster)));
        }

        foreach (var stub in stubs ?? [])
        {
            snapshot.SetStub(ObjectKey.From(stub), stub.Spec.Location);
        }

        foreach (var pod in pods)
        {
            if (HoldsResources(pod) && snapshot.Node(pod.Status!.Node!) is { } node)
            {
                var request = PodRequest.From(pod, snapshot);
                snapshot.Assume(request, node);

                // A SuperPod on its way to another node holds resources there as well until its migration ends.
                if (pod.Status.Migration?.TargetNode is { Length: > 0 } target && target != node.Name && snapshot.Node(target) is { } targetNode)
                {
                    var reservation = MigrationReservation(request.Key);
                    snapshot.Assume(request.ForMigration(null, node.Name, reservation), targetNode);
                }
            }
        }

        return snapshot;
    }

    /// <summary>The key under which a migrating SuperPod's resources on its target node are charged (never a valid object name).</summary>
    public static ObjectKey MigrationReservation(ObjectKey pod) => new(pod.Namespace, pod.Name + "@migration");

    /// <summary>True when <paramref name="pod"/> holds resources on its node: it has status.node and is not Failed.</summary>
    public static bool HoldsResources(SuperPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return !string.IsNullOrEmpty(pod.Status?.Node) && pod.Status.Phase != SuperPodPhase.Failed;
    }

    /// <summary>Adds a cluster; nodes added later find it by name.</summary>
    public void AddCluster(ClusterInfo cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (!_clusters.TryAdd(cluster.Name, cluster))
        {
            throw new ArgumentException($"cluster '{cluster.Name}' is already in the snapshot", nameof(cluster));
        }

        cluster.Ordinal = _clusters.Count - 1;
    }

    /// <summary>Adds a node.</summary>
    public void AddNode(NodeInfo node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!_nodesByName.TryAdd(node.Name, node))
        {
            throw new ArgumentException($"node '{node.Name}' is already in the snapshot", nameof(node));
        }

        _nodes.Add(node);
    }

    /// <summary>Records where a StubResource lives.</summary>
    public void SetStub(ObjectKey key, StubLocation location) => _stubs[key] = location ?? throw new ArgumentNullException(nameof(location));

    /// <summary>The cluster named <paramref name="name"/>, or null.</summary>
    public ClusterInfo? Cluster(string name) => _clusters.GetValueOrDefault(name);

    /// <summary>The node named <paramref name="name"/>, or null.</summary>
    public NodeInfo? Node(string name) => _nodesByName.GetValueOrDefault(name);

    /// <summary>Where the StubResource <paramref name="key"/> lives, or null when unknown.</summary>
    public StubLocation? StubLocation(ObjectKey key) => _stubs.GetValueOrDefault(key);

    /// <summary>Where the SuperPod <paramref name="key"/> holds resources, or null.</summary>
    public PlacedPod? Placement(ObjectKey key) => _pods.GetValueOrDefault(key);

    /// <summary>
    /// Charges <paramref name="pod"/> to <paramref name="node"/> before its bind is confirmed (kube-scheduler's assume), so the
    /// next decision of a burst sees the node's remaining capacity. A pod already placed elsewhere moves.
    /// </summary>
    public PlacedPod Assume(PodRequest pod, NodeInfo node)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(node);
        if (!ReferenceEquals(Node(node.Name), node))
        {
            throw new ArgumentException($"node '{node.Name}' is not part of this snapshot", nameof(node));
        }

        Forget(pod.Key);
        var placed = new PlacedPod(pod.Key, pod.Labels, node, pod.MilliCpu, pod.MemoryBytes);
        _pods[pod.Key] = placed;
        node.RequestedMilliCpu += pod.MilliCpu;
        node.RequestedMemory += pod.MemoryBytes;
        node.SuperPodCount++;
        var ns = Namespace(pod.Namespace);
        ns.All.Add(placed);
        foreach (var label in pod.Labels)
        {
            var labelKey = LabelKey(label.Key, label.Value);
            if (!ns.ByLabel.TryGetValue(labelKey, out var set))
            {
                ns.ByLabel[labelKey] = set = [];
            }

            set.Add(placed);
        }

        return placed;
    }

    /// <summary>Releases what the SuperPod <paramref name="key"/> held (a failed bind, a deleted or failed pod); returns whether it held anything.</summary>
    public bool Forget(ObjectKey key)
    {
        if (!_pods.Remove(key, out var placed))
        {
            return false;
        }

        placed.Node.RequestedMilliCpu -= placed.MilliCpu;
        placed.Node.RequestedMemory -= placed.MemoryBytes;
        placed.Node.SuperPodCount--;
        var ns = Namespace(key.Namespace ?? string.Empty);
        ns.All.Remove(placed);
        foreach (var label in placed.Labels)
        {
            if (ns.ByLabel.TryGetValue(LabelKey(label.Key, label.Value), out var set))
            {
                set.Remove(placed);
            }
        }

        return true;
    }

    /// <summary>The placed SuperPods of <paramref name="namespace"/> that <paramref name="selector"/> selects.</summary>
    public IEnumerable<PlacedPod> PlacedPods(string @namespace, V1LabelSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        if (!_namespaces.TryGetValue(@namespace, out var ns))
        {
            return [];
        }

        // Narrow through the label index when the selector pins one label; match the full selector either way.
        IEnumerable<PlacedPod> candidates = ns.All;
        if (selector.MatchLabels is { Count: > 0 } matchLabels)
        {
            var first = matchLabels.First();
            candidates = ns.ByLabel.TryGetValue(LabelKey(first.Key, first.Value), out var set) ? set : [];
        }

        return candidates.Where(p => LabelSelectors.Matches(selector, p.Labels));
    }

    private NamespacePods Namespace(string name)
    {
        if (!_namespaces.TryGetValue(name, out var ns))
        {
            _namespaces[name] = ns = new NamespacePods();
        }

        return ns;
    }

    private static string LabelKey(string key, string value) => key + "\0" + value;

    private sealed class NamespacePods
    {
        public HashSet<PlacedPod> All { get; } = [];

        public Dictionary<string, HashSet<PlacedPod>> ByLabel { get; } = new(StringComparer.Ordinal);
    }
}
