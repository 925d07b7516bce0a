namespace SuperCloud.NodeAgent.Ownership;

/// <summary>
/// What this agent knows about who may run one VM: the newest ownership epoch it has seen for it, the epoch of the copy
/// it holds, and what migrations did to that copy. It outlives the copy (a deleted VM keeps its record), so a stale
/// caller can never bring an old copy back.
/// </summary>
public sealed record OwnershipRecord
{
    /// <summary>The VM.</summary>
    public required string VmId { get; init; }

    /// <summary>The newest epoch this host has seen for the VM; it never goes down.</summary>
    public long Epoch { get; init; }

    /// <summary>The epoch of the copy this host holds, or null when it holds none.</summary>
    public long? HeldEpoch { get; init; }

    /// <summary>The migration whose target the held copy is, or null when the copy did not arrive by migration.</summary>
    public string? IncomingMigration { get; init; }

    /// <summary>The incoming copy resumed (its migration switched over): it can no longer be aborted.</summary>
    public bool Resumed { get; init; }

    /// <summary>The migration sending the held copy away, or null.</summary>
    public OutgoingRecord? Outgoing { get; init; }

    /// <summary>Migrations aborted on this host (newest last): their copies are never prepared or resumed here again.</summary>
    public IReadOnlyList<AbortedMigration> Aborted { get; init; } = [];

    /// <summary>When the record last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The abort record of <paramref name="migrationId"/>, or null.</summary>
    public AbortedMigration? AbortOf(string migrationId) => Aborted.FirstOrDefault(a => a.MigrationId == migrationId);
}
