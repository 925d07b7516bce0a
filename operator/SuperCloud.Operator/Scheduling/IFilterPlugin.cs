namespace SuperCloud.Operator.Scheduling;

/// <summary>
/// A filter plugin (kube-scheduler's Filter extension point): rules a node in or out for one SuperPod. Plugins keep
/// per-pod state between <see cref="PreFilter"/> and <see cref="Filter"/>, so one instance serves one scheduler at a time.
/// </summary>
public interface IFilterPlugin
{
    /// <summary>The plugin name, as in kube-scheduler's configuration (NodeResourcesFit, TaintToleration...).</summary>
    string Name { get; }

    /// <summary>Prepares the per-pod state once, before the nodes are filtered.</summary>
    void PreFilter(PodRequest pod, ClusterSnapshot snapshot);

    /// <summary>True when <paramref name="node"/> fits; otherwise adds the kube-style reasons (counted per node in the failure message).</summary>
    bool Filter(NodeInfo node, List<string> reasons);
}
