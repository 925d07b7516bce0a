namespace SuperCloud.NodeAgent.Interruption;

/// <summary>What the metadata service says about this instance's future.</summary>
/// <param name="Reason"><c>terminate</c> or <c>stop</c> (an interruption notice), or <c>rebalance</c> (a recommendation only).</param>
/// <param name="Time">When the instance is reclaimed; for a rebalance recommendation, when it was posted.</param>
public sealed record SpotInterruption(string Reason, DateTime? Time)
{
    /// <summary>True for an interruption (terminate or stop), false for a rebalance recommendation.</summary>
    public bool IsInterruption => Reason is "terminate" or "stop";
}
