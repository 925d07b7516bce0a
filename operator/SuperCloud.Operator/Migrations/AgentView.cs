namespace SuperCloud.Operator.Migrations;

/// <summary>
/// What the operator knows of one agent's view of a migration: not asked yet, no such node (or no endpoint), no answer,
/// an answer saying it knows nothing, or its report. Only a report is information; the others are its absence.
/// </summary>
public abstract record AgentView
{
    private AgentView()
    {
    }

    /// <summary>Not asked in this round.</summary>
    public static AgentView NotAsked { get; } = new Unasked();

    /// <summary>Not asked in this round.</summary>
    public sealed record Unasked : AgentView;

    /// <summary>The SuperNode does not exist or names no endpoint: nobody to ask.</summary>
    public sealed record NodeMissing(string Detail) : AgentView;

    /// <summary>The agent did not answer (no connection, deadline exceeded).</summary>
    public sealed record Unreachable(string Detail) : AgentView;

    /// <summary>The agent answered that it knows neither the migration nor the VM.</summary>
    public sealed record NotFound(string Detail) : AgentView;

    /// <summary>The agent's report.</summary>
    public sealed record Answered(MigrationReport Value) : AgentView;

    /// <summary>The report, when there is one.</summary>
    public MigrationReport? Report => (this as Answered)?.Value;

    /// <summary>True when the agent could not be asked or did not answer.</summary>
    public bool IsSilent => this is NodeMissing or Unreachable;
}
