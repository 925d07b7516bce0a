namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>The VM does not exist on this host.</summary>
/// <param name="vmId">The VM that was asked for.</param>
/// <param name="operation">The operation that needed it.</param>
public sealed class VmNotFoundException(string vmId, string operation)
    : HypervisorException(vmId, operation, "no such VM on this host");
