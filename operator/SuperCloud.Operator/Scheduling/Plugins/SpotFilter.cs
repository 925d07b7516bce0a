using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>Spot: placement.spot Required keeps the SuperPod on spot nodes, Forbidden on on-demand nodes; Allowed takes both.</summary>
public sealed class SpotFilter : IFilterPlugin
{
    /// <summary>Reason when the node's capacity type is not the one required.</summary>
    public const string Reason = "node(s) didn't match spot requirement";

    private SpotPolicy _policy;

    /// <inheritdoc/>
    public string Name => "Spot";

    /// <inheritdoc/>
    public void PreFilter(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        _policy = pod.Spot;
    }

    /// <inheritdoc/>
    public bool Filter(NodeInfo node, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(reasons);
        var ok = _policy switch
        {
            SpotPolicy.Required => node.Spot,
            SpotPolicy.Forbidden => !node.Spot,
            _ => true,
        };
        if (!ok)
        {
            reasons.Add(Reason);
        }

        return ok;
    }
}
