using SuperCloud.NodeAgent.Api;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Registration;

/// <summary>Reads the host's readiness and resources for the SuperNode status.</summary>
/// <param name="driver">The hypervisor driver, asked whether VMs can run.</param>
/// <param name="hostResources">Reads the host's CPUs and memory.</param>
/// <param name="agent">The reservations.</param>
/// <param name="options">The SuperPod slots.</param>
public sealed class HostReportReader(IHypervisorDriver driver, HostResources hostResources, NodeAgentOptions agent, NodeRegistrationOptions options)
{
    /// <summary>Reads the current report.</summary>
    public async Task<HostReport> ReadAsync(CancellationToken cancellationToken)
    {
        var info = await driver.GetInfoAsync(cancellationToken);
        var (cpus, memoryMib) = hostResources.Read();
        // Allocatable is capacity minus the reservation, as for a kubelet Node: the scheduler subtracts what
        // SuperPods use, so running VMs do not change the status (and cause no write).
        return new HostReport(
            info.Available,
            info.Available ? HostReport.AgentReadyReason : HostReport.HypervisorUnavailableReason,
            info.Available ? $"node agent is posting ready status; {info.Name} {info.Version} {info.Detail}".TrimEnd() : info.Detail,
            cpus,
            memoryMib,
            Math.Max(0, cpus - agent.ReservedCpus),
            Math.Max(0, memoryMib - agent.ReservedMemoryMib),
            options.MaxSuperPods);
    }
}
