namespace SuperCloud.NodeAgent.Migration;

/// <summary>The peer agent broke the migration connection's record format or handshake.</summary>
public sealed class MigrationProtocolException : IOException
{
    /// <summary>Creates the exception.</summary>
    public MigrationProtocolException()
        : base("migration protocol error")
    {
    }

    /// <summary>Creates the exception with what went wrong.</summary>
    public MigrationProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with what went wrong and why.</summary>
    public MigrationProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
