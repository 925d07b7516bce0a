namespace SuperCloud.NodeAgent.Migration;

/// <summary>This agent has no migration with the given id (and no VM to answer for it).</summary>
public sealed class MigrationNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MigrationNotFoundException()
        : base("no such migration on this agent")
    {
    }

    /// <summary>Creates the exception with what was looked for.</summary>
    public MigrationNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with what was looked for and why it failed.</summary>
    public MigrationNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
