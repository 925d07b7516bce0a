namespace SuperCloud.Operator.Migrations;

/// <summary>What the summary of a finished transfer says: how long it took, the bytes sent and the measured pause.</summary>
/// <param name="Total">From the start of the migration to its end.</param>
/// <param name="BytesTransferred">Bytes of guest state sent, as the hypervisor counted them.</param>
/// <param name="Downtime">How long the guest was paused, when measured.</param>
public sealed record TransferSummary(TimeSpan Total, long BytesTransferred, TimeSpan? Downtime);
