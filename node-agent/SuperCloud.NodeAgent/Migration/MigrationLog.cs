using SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>The migration data path's log events (source-generated, so disabled levels cost nothing).</summary>
internal static partial class MigrationLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Migration {MigrationId} of VM {VmId} ({Role}): {Phase}")]
    public static partial void PhaseChanged(this ILogger logger, string migrationId, string vmId, MigrationRole role, MigrationPhase phase);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration {MigrationId} of VM {VmId} ({Role}) {Phase}: {Reason}: {Message}")]
    public static partial void Ended(this ILogger logger, string migrationId, string vmId, MigrationRole role, MigrationPhase phase, MigrationFailureReason reason, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration relay failed in {Part}: {Reason}: {Message}")]
    public static partial void RelayFailed(this ILogger logger, string part, MigrationFailureReason reason, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Migration relay {Part} ended by the teardown")]
    public static partial void RelayPartStopped(this ILogger logger, Exception error, string part);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fault injection: flipped bits of byte {Offset} of the outgoing migration stream")]
    public static partial void CorruptionInjected(this ILogger logger, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused migration connection from {Peer} for migration {MigrationId}: {Reason}")]
    public static partial void ConnectionRefused(this ILogger logger, string peer, string? migrationId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Accepted migration connection from {Peer} for migration {MigrationId} of VM {VmId}")]
    public static partial void ConnectionAccepted(this ILogger logger, string peer, string? migrationId, string? vmId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration connection from {Peer} at {Remote} ended: {Error}")]
    public static partial void ConnectionEnded(this ILogger logger, string peer, string? remote, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration {MigrationId}: {What} failed: {Error}")]
    public static partial void StepFailed(this ILogger logger, string migrationId, string what, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration {MigrationId}: refused by the ownership record of VM {VmId}: {Why}")]
    public static partial void OwnershipRefused(this ILogger logger, string migrationId, string vmId, string why);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Migration {MigrationId}: could not read the hypervisor's counters")]
    public static partial void CountersUnavailable(this ILogger logger, Exception error, string migrationId);
}
