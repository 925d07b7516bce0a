using System.Globalization;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>
/// StubLocality: prefers nodes near the StubResources the SuperPod uses: per stub 4 points on its node, 3 in its cluster,
/// 2 in its region, 1 in its cloud; the raw value is the mean over the stubs.
/// </summary>
public sealed class StubLocalityScore : IScorePlugin
{
    private IReadOnlyList<StubLocation> _stubs = [];

    /// <inheritdoc/>
    public string Name => "StubLocality";

    /// <inheritdoc/>
    public bool HigherIsBetter => true;

    /// <inheritdoc/>
    public bool PreScore(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        _stubs = pod.StubLocations;
        return _stubs.Count > 0;
    }

    /// <inheritdoc/>
    public double Score(NodeInfo node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var total = 0;
        foreach (var stub in _stubs)
        {
            total += Points(stub, node);
        }

        return total / (double)_stubs.Count;
    }

    /// <inheritdoc/>
    public string Explain(NodeInfo node, double raw)
    {
        ArgumentNullException.ThrowIfNull(node);
        var near = _stubs.Count(s => Points(s, node) >= 3);
        return string.Create(CultureInfo.InvariantCulture, $"{near}/{_stubs.Count} stubs in the node's cluster");
    }

    private static int Points(StubLocation stub, NodeInfo node)
    {
        var cluster = node.Cluster;
        if (stub.Node is not null && string.Equals(stub.Node, node.Name, StringComparison.Ordinal))
        {
            return 4;
        }

        if (stub.Cluster is not null && string.Equals(stub.Cluster, node.ClusterName, StringComparison.Ordinal))
        {
            return 3;
        }

        if (cluster is not null && stub.Region is not null && string.Equals(stub.Region, cluster.Region, StringComparison.Ordinal))
        {
            return 2;
        }

        return cluster is not null && stub.Cloud == cluster.Provider ? 1 : 0;
    }
}
