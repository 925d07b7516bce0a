namespace SuperCloud.Operator.Migrations;

/// <summary>Where a migration in Scheduling would go: a node reserved earlier, the scheduler's choice, or none.</summary>
public abstract record TargetChoice
{
    private TargetChoice()
    {
    }

    /// <summary>Not computed in this round (outside Scheduling).</summary>
    public static TargetChoice NotComputed { get; } = new Unknown();

    /// <summary>Not computed in this round.</summary>
    public sealed record Unknown : TargetChoice;

    /// <summary>A node chosen before an operator restart, kept; <paramref name="Exists"/> says whether it still does.</summary>
    public sealed record Reserved(string Node, bool Exists) : TargetChoice;

    /// <summary>The scheduler's choice and why.</summary>
    public sealed record Chosen(string Node, string Message) : TargetChoice;

    /// <summary>No node fits: the failure reason if it stays so, and the scheduler's explanation.</summary>
    public sealed record None(string Reason, string Message) : TargetChoice;
}
