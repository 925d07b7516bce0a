namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>
/// MaxPrice: placement.maxPricePerHour caps what the SuperPod's share of a spot node may cost per hour (the API defines it as a
/// spot cap, like EC2's spot max price); on-demand nodes are not capped. A spot node without a known price cannot prove it is under the cap.
/// </summary>
public sealed class MaxPriceFilter : IFilterPlugin
{
    /// <summary>Reason when the share of a spot node costs more than the cap.</summary>
    public const string Reason = "node(s) exceeded max price per hour";

    private readonly SharePrices _prices = new();
    private double _max = double.PositiveInfinity;

    /// <inheritdoc/>
    public string Name => "MaxPrice";

    /// <inheritdoc/>
    public void PreFilter(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        _max = pod.MaxPricePerHour is { } max ? (double)max : double.PositiveInfinity;
        if (pod.MaxPricePerHour is not null)
        {
            _prices.Compute(pod, snapshot);
        }
    }

    /// <inheritdoc/>
    public bool Filter(NodeInfo node, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(reasons);
        if (double.IsPositiveInfinity(_max) || !node.Spot)
        {
            return true;
        }

        var price = _prices.PerHour(node);

        // Compare with a tolerance far below the API's 6 decimals, so a price equal to the cap passes despite binary rounding.
        if (!double.IsNaN(price) && price <= _max + 1e-9)
        {
            return true;
        }

        reasons.Add(Reason);
        return false;
    }
}
