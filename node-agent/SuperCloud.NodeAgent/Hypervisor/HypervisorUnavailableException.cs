namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>The hypervisor cannot run VMs on this host (missing device, toolstack or binary, or a hung accelerator).</summary>
/// <param name="hypervisor">The driver name.</param>
/// <param name="reason">Why, e.g. <c>/dev/xen/privcmd missing</c>.</param>
public sealed class HypervisorUnavailableException(string hypervisor, string reason)
    : HypervisorException(null, hypervisor, reason)
{
    /// <summary>Why the hypervisor is unavailable.</summary>
    public string Reason { get; } = reason;
}
