namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>The driver cannot live-migrate VMs; the message says which driver and what it lacks.</summary>
/// <param name="vmId">The VM.</param>
/// <param name="operation">The refused migration step.</param>
/// <param name="detail">Why the driver cannot do it.</param>
public sealed class MigrationNotSupportedException(string vmId, string operation, string detail)
    : HypervisorException(vmId, operation, detail);
