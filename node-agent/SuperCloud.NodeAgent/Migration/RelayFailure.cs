namespace SuperCloud.NodeAgent.Migration;

/// <summary>Why a relay failed: a CamelCase reason for the migration's status and a message saying what happened.</summary>
internal sealed record RelayFailure(string Reason, string Message)
{
    /// <summary>A frame of the received stream failed its digest or header check, or the stream was truncated.</summary>
    public const string StreamCorrupted = "StreamCorrupted";

    /// <summary>The connection to the peer agent broke or the peer broke the protocol.</summary>
    public const string ConnectionLost = "ConnectionLost";

    /// <summary>Reading from or writing to the local hypervisor's migration socket failed.</summary>
    public const string HypervisorStream = "HypervisorStreamFailed";
}
