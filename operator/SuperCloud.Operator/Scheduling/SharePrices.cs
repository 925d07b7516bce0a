namespace SuperCloud.Operator.Scheduling;

/// <summary>
/// Prices a SuperPod's share of a node per cluster, once per pod: the rates are the cluster's spot rates on spot nodes
/// (falling back to on-demand rates, which spot never exceeds) and its on-demand rates otherwise; see <see cref="UnitPrices.ShareCost"/>.
/// </summary>
public sealed class SharePrices
{
    private double[] _onDemand = [];
    private double[] _spot = [];

    /// <summary>Computes the pod's share price in every cluster of <paramref name="snapshot"/>.</summary>
    public void Compute(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(snapshot);
        var count = snapshot.Clusters.Count;
        if (_onDemand.Length < count)
        {
            _onDemand = new double[count];
            _spot = new double[count];
        }

        foreach (var cluster in snapshot.Clusters)
        {
            _onDemand[cluster.Ordinal] = Cost(cluster.OnDemand, pod);
            _spot[cluster.Ordinal] = Cost(cluster.Spot ?? cluster.OnDemand, pod);
        }
    }

    /// <summary>The pod's price per hour on <paramref name="node"/>, or NaN when its cluster publishes no price.</summary>
    public double PerHour(NodeInfo node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Cluster is null ? double.NaN : node.Spot ? _spot[node.Cluster.Ordinal] : _onDemand[node.Cluster.Ordinal];
    }

    private static double Cost(UnitPrices? rates, PodRequest pod) =>
        rates is null ? double.NaN : (double)rates.ShareCost(pod.MilliCpu, pod.MemoryBytes);
}
