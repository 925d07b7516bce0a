namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>The operation is not allowed in the VM's current state (e.g. pausing a stopped VM).</summary>
/// <param name="vmId">The VM.</param>
/// <param name="operation">The refused operation.</param>
/// <param name="state">The state that forbids it.</param>
/// <param name="why">What makes the state forbid it, when the state alone does not say.</param>
public sealed class VmStateConflictException(string vmId, string operation, VmState state, string? why = null)
    : HypervisorException(vmId, operation, why is null ? $"not allowed while the VM is {state}" : $"not allowed while the VM is {state}: {why}")
{
    /// <summary>The state that forbids the operation.</summary>
    public VmState State { get; } = state;
}
