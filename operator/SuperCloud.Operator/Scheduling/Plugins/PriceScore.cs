using System.Globalization;

namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>Price: prefers the node where the SuperPod's share costs least per hour (see <see cref="SharePrices"/>).</summary>
public sealed class PriceScore : IScorePlugin
{
    private readonly SharePrices _prices = new();

    /// <inheritdoc/>
    public string Name => "Price";

    /// <inheritdoc/>
    public bool HigherIsBetter => false;

    /// <inheritdoc/>
    public bool PreScore(PodRequest pod, ClusterSnapshot snapshot)
    {
        _prices.Compute(pod, snapshot);
        return true;
    }

    /// <inheritdoc/>
    public double Score(NodeInfo node) => _prices.PerHour(node);

    /// <inheritdoc/>
    public string Explain(NodeInfo node, double raw)
    {
        ArgumentNullException.ThrowIfNull(node);
        var kind = node.Spot ? "spot" : "on-demand";
        return double.IsNaN(raw)
            ? $"price unknown ({kind})"
            : string.Create(CultureInfo.InvariantCulture, $"{raw:0.######} {node.Cluster?.Currency ?? "USD"}/h {kind}");
    }
}
