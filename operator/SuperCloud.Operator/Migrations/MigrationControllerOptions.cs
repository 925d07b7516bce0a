namespace SuperCloud.Operator.Migrations;

/// <summary>Settings of the migration controller; the defaults are KubeVirt's.</summary>
public sealed record MigrationControllerOptions
{
    /// <summary>Migrations that may run at once in the whole cluster; more wait in Pending.</summary>
    public int MaxParallelMigrations { get; init; } = 5;

    /// <summary>Migrations that may leave one node at once.</summary>
    public int MaxOutboundPerNode { get; init; } = 2;

    /// <summary>How often a running migration's progress is read from the source agent (and written to its status).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How soon a migration waiting for a slot, or for its SuperPod to be running, is looked at again.</summary>
    public TimeSpan PendingRequeue { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a migration waits in Scheduling for a node that can take the SuperPod before it fails.</summary>
    public TimeSpan SchedulingTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an agent may stay unreachable in a step before the migration fails (before the switch-over).</summary>
    public TimeSpan AgentUnreachableTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Throws when a setting is unusable, naming it.</summary>
    public void Validate()
    {
        if (MaxParallelMigrations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxParallelMigrations), MaxParallelMigrations, "MaxParallelMigrations must be at least 1");
        }

        if (MaxOutboundPerNode < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxOutboundPerNode), MaxOutboundPerNode, "MaxOutboundPerNode must be at least 1");
        }

        foreach (var (name, value) in new[] { (nameof(ProgressInterval), ProgressInterval), (nameof(PendingRequeue), PendingRequeue), (nameof(SchedulingTimeout), SchedulingTimeout), (nameof(AgentUnreachableTimeout), AgentUnreachableTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(name, value, $"migration controller {name} must be positive");
            }
        }
    }
}
