namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>NodeResourcesFit: the node's allocatable minus what is assigned or in flight must hold the SuperPod's CPUs, memory and slot.</summary>
public sealed class NodeResourcesFitFilter : IFilterPlugin
{
    /// <summary>Reason when CPUs do not fit.</summary>
    public const string InsufficientCpu = "Insufficient cpu";

    /// <summary>Reason when memory does not fit.</summary>
    public const string InsufficientMemory = "Insufficient memory";

    /// <summary>Reason when the node's SuperPod slots are used up.</summary>
    public const string TooManyPods = "Too many superpods";

    private long _milliCpu;
    private long _memory;

    /// <inheritdoc/>
    public string Name => "NodeResourcesFit";

    /// <inheritdoc/>
    public void PreFilter(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        _milliCpu = pod.MilliCpu;
        _memory = pod.MemoryBytes;
    }

    /// <inheritdoc/>
    public bool Filter(NodeInfo node, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(reasons);
        var fits = true;

        // Like kube-scheduler, every missing resource is a reason of its own.
        if (node.MaxSuperPods is { } max && node.SuperPodCount + 1 > max)
        {
            reasons.Add(TooManyPods);
            fits = false;
        }

        if (node.RequestedMilliCpu + _milliCpu > node.AllocatableMilliCpu)
        {
            reasons.Add(InsufficientCpu);
            fits = false;
        }

        if (node.RequestedMemory + _memory > node.AllocatableMemory)
        {
            reasons.Add(InsufficientMemory);
            fits = false;
        }

        return fits;
    }
}
