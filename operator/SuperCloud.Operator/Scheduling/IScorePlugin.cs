namespace SuperCloud.Operator.Scheduling;

/// <summary>
/// A score plugin (kube-scheduler's Score extension point): gives every feasible node a raw value that the scheduler
/// normalises to 0–100 across the feasible nodes and weights. Keeps per-pod state between <see cref="PreScore"/> and <see cref="Score"/>.
/// </summary>
public interface IScorePlugin
{
    /// <summary>The plugin name (Price, ClientLatency, Spread, StubLocality).</summary>
    string Name { get; }

    /// <summary>True when a higher raw value is better.</summary>
    bool HigherIsBetter { get; }

    /// <summary>Prepares the per-pod state; returns false when the plugin has nothing to say about this pod (it is then skipped).</summary>
    bool PreScore(PodRequest pod, ClusterSnapshot snapshot);

    /// <summary>The raw value of <paramref name="node"/>; NaN when unknown (normalised to the worst score).</summary>
    double Score(NodeInfo node);

    /// <summary>A short human explanation of a raw value, used in the Scheduled condition.</summary>
    string Explain(NodeInfo node, double raw);
}
