namespace SuperCloud.NodeAgent.Ownership;

/// <summary>A migration aborted on this host: its incoming copy is gone and is never prepared or resumed here again.</summary>
/// <param name="MigrationId">The migration.</param>
/// <param name="Epoch">The epoch its copy had here (0 when none was prepared).</param>
/// <param name="At">When it was aborted.</param>
public sealed record AbortedMigration(string MigrationId, long Epoch, DateTimeOffset At);
