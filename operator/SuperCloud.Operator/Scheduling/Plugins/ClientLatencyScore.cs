using System.Globalization;

namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>
/// ClientLatency: prefers clusters close to the SuperPod's client regions — the weighted mean of the round-trip times in the
/// cluster's latency table; a region missing from the table counts as 10,000 ms (the table's maximum).
/// </summary>
public sealed class ClientLatencyScore : IScorePlugin
{
    /// <summary>The latency assumed for a client region a cluster's table does not list.</summary>
    public const int UnknownLatencyMs = 10_000;

    private double[] _latency = [];

    /// <inheritdoc/>
    public string Name => "ClientLatency";

    /// <inheritdoc/>
    public bool HigherIsBetter => false;

    /// <inheritdoc/>
    public bool PreScore(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(snapshot);
        if (pod.ClientRegions.Count == 0)
        {
            return false;
        }

        if (_latency.Length < snapshot.Clusters.Count)
        {
            _latency = new double[snapshot.Clusters.Count];
        }

        foreach (var cluster in snapshot.Clusters)
        {
            double sum = 0, weights = 0;
            foreach (var (region, weight) in pod.ClientRegions)
            {
                sum += weight * cluster.LatencyMs.GetValueOrDefault(region, UnknownLatencyMs);
                weights += weight;
            }

            _latency[cluster.Ordinal] = sum / weights;
        }

        return true;
    }

    /// <inheritdoc/>
    public double Score(NodeInfo node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Cluster is null ? UnknownLatencyMs : _latency[node.Cluster.Ordinal];
    }

    /// <inheritdoc/>
    public string Explain(NodeInfo node, double raw) =>
        string.Create(CultureInfo.InvariantCulture, $"{raw:0.#} ms weighted round trip to clients");
}
