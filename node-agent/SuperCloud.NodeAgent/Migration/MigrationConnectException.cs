using SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>The source agent could not open the migration connection; <see cref="Reason"/> says why in one word.</summary>
public sealed class MigrationConnectException : Exception
{
    /// <summary>No TCP or TLS connection to the target agent.</summary>
    public const MigrationFailureReason TargetUnreachable = MigrationFailureReason.TargetUnreachable;

    /// <summary>The peer's certificate is not the target node's.</summary>
    public const MigrationFailureReason TargetIdentity = MigrationFailureReason.TargetIdentityMismatch;

    /// <summary>The target agent refused the handshake (token, identity or state).</summary>
    public const MigrationFailureReason TargetRejected = MigrationFailureReason.TargetRejected;

    /// <summary>Creates the exception.</summary>
    public MigrationConnectException()
        : this(TargetUnreachable, "cannot connect to the target agent")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MigrationConnectException(string message)
        : this(TargetUnreachable, message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public MigrationConnectException(string message, Exception innerException)
        : this(TargetUnreachable, message, innerException)
    {
    }

    /// <summary>Creates the exception with a reason, a message and optionally its cause.</summary>
    public MigrationConnectException(MigrationFailureReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Why, in one word.</summary>
    public MigrationFailureReason Reason { get; } = TargetUnreachable;
}
