namespace SuperCloud.NodeAgent.Ownership;

/// <summary>
/// The request would run, resume or create a copy of a VM that its ownership record forbids: an epoch older than one
/// seen, a copy handed over to another host, an aborted migration. Nothing was changed.
/// </summary>
public sealed class OwnershipConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OwnershipConflictException()
        : base("refused by the VM's ownership record")
    {
    }

    /// <summary>Creates the exception with what was refused and why.</summary>
    public OwnershipConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with what was refused, why, and its cause.</summary>
    public OwnershipConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for <paramref name="operation"/> on <paramref name="vmId"/>.</summary>
    public OwnershipConflictException(string vmId, string operation, string why)
        : base($"{operation} VM '{vmId}': {why}")
    {
    }
}
