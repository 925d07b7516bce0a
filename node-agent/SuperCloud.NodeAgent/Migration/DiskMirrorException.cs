using SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>A VM's disks could not be mirrored to the target; <see cref="Reason"/> says why in one word.</summary>
public sealed class DiskMirrorException : Exception
{
    /// <summary>The hypervisor's mirror failed or a disk is not in sync.</summary>
    public const MigrationFailureReason Failed = MigrationFailureReason.DiskMirrorFailed;

    /// <summary>Creates the exception.</summary>
    public DiskMirrorException()
        : this(Failed, "the disk mirror failed")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DiskMirrorException(string message)
        : this(Failed, message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public DiskMirrorException(string message, Exception innerException)
        : base(message, innerException) => Reason = Failed;

    /// <summary>Creates the exception with a reason and a message.</summary>
    public DiskMirrorException(MigrationFailureReason reason, string message)
        : base(message) => Reason = reason;

    /// <summary>Why, as the agent API reports it.</summary>
    public MigrationFailureReason Reason { get; } = Failed;
}
