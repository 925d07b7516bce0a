namespace SuperCloud.NodeAgent.Registration;

/// <summary>
/// What the agent states about its host in the SuperNode status; a record so that a change (and only a change)
/// triggers an early status write.
/// </summary>
/// <param name="Ready">Whether SuperPods can run here (the hypervisor works).</param>
/// <param name="Reason">The Ready condition's reason, CamelCase.</param>
/// <param name="Message">The Ready condition's message.</param>
/// <param name="Cpus">The host's CPUs.</param>
/// <param name="MemoryMib">The host's memory in MiB.</param>
/// <param name="AllocatableCpus">CPUs offered to SuperPods (capacity minus the reservation).</param>
/// <param name="AllocatableMemoryMib">Memory offered to SuperPods in MiB (capacity minus the reservation).</param>
/// <param name="SuperPods">How many SuperPods the host offers.</param>
public sealed record HostReport(
    bool Ready, string Reason, string Message, int Cpus, long MemoryMib, int AllocatableCpus, long AllocatableMemoryMib, int SuperPods)
{
    /// <summary>The Ready condition reason while the agent runs and its hypervisor works.</summary>
    public const string AgentReadyReason = "AgentReady";

    /// <summary>The Ready condition reason when the hypervisor cannot run VMs.</summary>
    public const string HypervisorUnavailableReason = "HypervisorUnavailable";

    /// <summary>The Ready condition reason written on graceful shutdown.</summary>
    public const string AgentStoppedReason = "AgentStopped";

    /// <summary>This report with Ready=False, reason <see cref="AgentStoppedReason"/>: the agent shuts down gracefully.</summary>
    public HostReport Stopped() => this with { Ready = false, Reason = AgentStoppedReason, Message = "node agent stopped" };
}
