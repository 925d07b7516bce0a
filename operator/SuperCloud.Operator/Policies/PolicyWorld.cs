namespace SuperCloud.Operator.Policies;

/// <summary>Everything one policy evaluation looks at, read at one instant: the engine does no I/O and asks no clock.</summary>
/// <param name="Now">The instant of the evaluation.</param>
/// <param name="Pods">Running SuperPods that a policy governs.</param>
/// <param name="Clusters">Every SuperCluster.</param>
/// <param name="Nodes">Every SuperNode.</param>
/// <param name="History">Earlier migrations (the engine reads the last day for pacing and every measured one for speed).</param>
/// <param name="Costs">How migration time is predicted.</param>
/// <param name="MaxParallelMigrations">Migrations allowed at once in the whole system.</param>
/// <param name="MaxOutboundPerNode">Migrations allowed to leave one node at once.</param>
/// <param name="ActiveMigrations">Migrations running or waiting now, by source node.</param>
public sealed record PolicyWorld(
    DateTime Now,
    IReadOnlyList<PolicyPod> Pods,
    IReadOnlyList<PolicyCluster> Clusters,
    IReadOnlyList<PolicyNode> Nodes,
    IReadOnlyList<PastMigration> History,
    MigrationCostModel Costs,
    int MaxParallelMigrations,
    int MaxOutboundPerNode,
    IReadOnlyDictionary<string, int> ActiveMigrations);
