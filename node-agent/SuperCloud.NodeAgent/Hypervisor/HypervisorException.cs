namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>A hypervisor operation failed; names the VM (when there is one) and the operation.</summary>
public class HypervisorException : Exception
{
    /// <summary>Creates an error for <paramref name="operation"/> on <paramref name="vmId"/>.</summary>
    public HypervisorException(string? vmId, string operation, string message, Exception? innerException = null)
        : base(vmId is null ? $"{operation}: {message}" : $"{operation} VM '{vmId}': {message}", innerException)
    {
        VmId = vmId;
        Operation = operation;
    }

    /// <summary>Creates an error without VM or operation.</summary>
    public HypervisorException() : this(null, "hypervisor", "failed") { }

    /// <summary>Creates an error without VM or operation.</summary>
    public HypervisorException(string message) : this(null, "hypervisor", message) { }

    /// <summary>Creates an error without VM or operation.</summary>
    public HypervisorException(string message, Exception innerException) : this(null, "hypervisor", message, innerException) { }

    /// <summary>The VM concerned, or null.</summary>
    public string? VmId { get; }

    /// <summary>The operation that failed, e.g. <c>start</c>.</summary>
    public string Operation { get; } = "hypervisor";
}
