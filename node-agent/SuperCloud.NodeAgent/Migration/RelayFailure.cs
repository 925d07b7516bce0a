using SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>Why a relay failed: the reason for the migration's status and a message saying what happened.</summary>
internal sealed record RelayFailure(MigrationFailureReason Reason, string Message)
{
    /// <summary>A frame of the received stream failed its digest or header check, or the stream was truncated.</summary>
    public const MigrationFailureReason StreamCorrupted = MigrationFailureReason.StreamCorrupted;

    /// <summary>The connection to the peer agent broke or the peer broke the protocol.</summary>
    public const MigrationFailureReason ConnectionLost = MigrationFailureReason.ConnectionLost;

    /// <summary>Reading from or writing to the local hypervisor's migration socket failed.</summary>
    public const MigrationFailureReason HypervisorStream = MigrationFailureReason.HypervisorStreamFailed;
}
