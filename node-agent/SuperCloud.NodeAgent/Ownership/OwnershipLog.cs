namespace SuperCloud.NodeAgent.Ownership;

/// <summary>The ownership records' log events (source-generated).</summary>
internal static partial class OwnershipLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Ignoring the unreadable ownership record {File}: {Error}")]
    public static partial void UnreadableRecord(this ILogger logger, string file, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ownership of VM {VmId}: epoch {Epoch}, held copy {HeldEpoch}, incoming {Incoming}, outgoing {Outgoing}")]
    public static partial void RecordChanged(this ILogger logger, string vmId, long epoch, long? heldEpoch, string? incoming, string? outgoing);
}
