namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>A VM with that id already exists on this host.</summary>
/// <param name="vmId">The conflicting id.</param>
public sealed class VmAlreadyExistsException(string vmId)
    : HypervisorException(vmId, "create", "a VM with this id already exists on this host");
