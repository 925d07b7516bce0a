namespace SuperCloud.NodeAgent.Migration;

/// <summary>The request contradicts a migration this agent already has (another role, VM or peer, or the VM is busy).</summary>
public sealed class MigrationConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MigrationConflictException()
        : base("the request conflicts with a migration on this agent")
    {
    }

    /// <summary>Creates the exception with what conflicts.</summary>
    public MigrationConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with what conflicts and why.</summary>
    public MigrationConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
