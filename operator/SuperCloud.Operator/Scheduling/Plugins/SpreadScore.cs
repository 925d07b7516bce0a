using System.Globalization;

namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>
/// Spread: prefers the node left freest after placing the SuperPod — the mean of its free CPU and free memory fractions
/// (kube-scheduler's LeastAllocated), which spreads a burst of SuperPods instead of stacking them on one host.
/// </summary>
public sealed class SpreadScore : IScorePlugin
{
    private long _milliCpu;
    private long _memory;

    /// <inheritdoc/>
    public string Name => "Spread";

    /// <inheritdoc/>
    public bool HigherIsBetter => true;

    /// <inheritdoc/>
    public bool PreScore(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        _milliCpu = pod.MilliCpu;
        _memory = pod.MemoryBytes;
        return true;
    }

    /// <inheritdoc/>
    public double Score(NodeInfo node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var cpu = node.AllocatableMilliCpu == 0 ? 0 : (node.AllocatableMilliCpu - node.RequestedMilliCpu - _milliCpu) / (double)node.AllocatableMilliCpu;
        var memory = node.AllocatableMemory == 0 ? 0 : (node.AllocatableMemory - node.RequestedMemory - _memory) / (double)node.AllocatableMemory;
        return (cpu + memory) / 2;
    }

    /// <inheritdoc/>
    public string Explain(NodeInfo node, double raw) =>
        string.Create(CultureInfo.InvariantCulture, $"{raw * 100:0}% of the node free after placement");
}
