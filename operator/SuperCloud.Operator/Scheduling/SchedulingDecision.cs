namespace SuperCloud.Operator.Scheduling;

/// <summary>The outcome of one scheduling cycle: the chosen node and why, or why no node fits.</summary>
public sealed record SchedulingDecision
{
    /// <summary>The chosen node, or null when the SuperPod is unschedulable.</summary>
    public NodeInfo? Node { get; init; }

    /// <summary>The scores that mattered most for the chosen node, best first.</summary>
    public IReadOnlyList<ScoreReason> TopReasons { get; init; } = [];

    /// <summary>For an unschedulable SuperPod: how many nodes each filter reason ruled out.</summary>
    public IReadOnlyDictionary<string, int> FailureCounts { get; init; } = new Dictionary<string, int>();

    /// <summary>How many nodes the snapshot has.</summary>
    public int NodeCount { get; init; }

    /// <summary>How many nodes were filtered (fewer than <see cref="NodeCount"/> once enough feasible nodes were found).</summary>
    public int NodesEvaluated { get; init; }

    /// <summary>How many of them fit.</summary>
    public int FeasibleNodes { get; init; }

    /// <summary>True when a node was chosen.</summary>
    public bool IsScheduled => Node is not null;

    /// <summary>
    /// The human message: for a placement the node and the top reasons; otherwise kube-scheduler's FitError text,
    /// <c>0/5 nodes are available: 2 node(s) didn't match spot requirement, 3 Insufficient memory.</c> — "count reason"
    /// entries sorted as strings, like kube-scheduler's sortReasonsHistogram.
    /// </summary>
    public string Message => Node is { } node ? ScheduledMessage(node) : FitErrorMessage();

    private string ScheduledMessage(NodeInfo node)
    {
        var where = node.Cluster is { } cluster ? $"cluster {cluster.Name}, {cluster.Provider.ToString().ToLowerInvariant()} {cluster.Region}" : $"cluster {node.ClusterName}";
        var reasons = TopReasons.Count == 0 ? string.Empty : ": " + string.Join("; ", TopReasons);
        return $"assigned to node {node.Name} ({where}; {FeasibleNodes} of {NodesEvaluated} examined nodes fit){reasons}";
    }

    private string FitErrorMessage()
    {
        if (NodeCount == 0)
        {
            return "no nodes available to schedule superpods";
        }

        var histogram = FailureCounts.Select(p => $"{p.Value} {p.Key}").Order(StringComparer.Ordinal);
        return $"0/{NodeCount} nodes are available: {string.Join(", ", histogram)}.";
    }
}
