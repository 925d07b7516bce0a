namespace SuperCloud.Operator.Scheduling;

/// <summary>Score weights and how many feasible nodes the scheduler looks for before it stops filtering.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Weight of the Price score.</summary>
    public int PriceWeight { get; init; } = 3;

    /// <summary>Weight of the ClientLatency score.</summary>
    public int ClientLatencyWeight { get; init; } = 2;

    /// <summary>Weight of the Spread score.</summary>
    public int SpreadWeight { get; init; } = 1;

    /// <summary>Weight of the StubLocality score.</summary>
    public int StubLocalityWeight { get; init; } = 2;

    /// <summary>
    /// kube-scheduler's percentageOfNodesToScore: 0 is adaptive (50% minus 1% per 125 nodes, at least 5%, at least 100 nodes);
    /// 100 examines every node. Filtering stops once this many feasible nodes are found, starting after the last node examined.
    /// </summary>
    public int PercentageOfNodesToScore { get; init; }

    /// <summary>How many explanations the Scheduled condition lists.</summary>
    public int TopReasons { get; init; } = 3;

    /// <summary>Throws when a weight is negative or the percentage is outside 0–100.</summary>
    public void Validate()
    {
        foreach (var (name, value) in (ReadOnlySpan<(string, int)>)[
            (nameof(PriceWeight), PriceWeight), (nameof(ClientLatencyWeight), ClientLatencyWeight),
            (nameof(SpreadWeight), SpreadWeight), (nameof(StubLocalityWeight), StubLocalityWeight)])
        {
            if (value < 0)
            {
                throw new ArgumentException($"scheduler {name} must not be negative, got {value}");
            }
        }

        if (PercentageOfNodesToScore is < 0 or > 100)
        {
            throw new ArgumentException($"scheduler PercentageOfNodesToScore must be between 0 and 100, got {PercentageOfNodesToScore}");
        }

        if (TopReasons < 1)
        {
            throw new ArgumentException($"scheduler TopReasons must be at least 1, got {TopReasons}");
        }
    }
}
