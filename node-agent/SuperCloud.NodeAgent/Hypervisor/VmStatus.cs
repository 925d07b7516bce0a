namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>A point-in-time view of one VM: its state, why it is in it, and the hypervisor process if any.</summary>
/// <param name="Id">The VM's id (unique on this host).</param>
/// <param name="State">The lifecycle state.</param>
/// <param name="Reason">A short machine-friendly reason for the state, e.g. <c>Started</c>, <c>GuestShutdown</c>, <c>ProcessExited</c>.</param>
/// <param name="Message">A human-readable explanation, empty when there is nothing to add.</param>
/// <param name="ProcessId">The hypervisor process id, or null when no process runs.</param>
/// <param name="Since">When the VM entered this state.</param>
/// <param name="Migration">What a migration has made of this copy (incoming, outgoing, migrated out).</param>
public sealed record VmStatus(
    string Id, VmState State, string Reason, string Message, int? ProcessId, DateTimeOffset Since,
    SuperCloud.Agent.V1.VmMigrationState Migration = SuperCloud.Agent.V1.VmMigrationState.None);
