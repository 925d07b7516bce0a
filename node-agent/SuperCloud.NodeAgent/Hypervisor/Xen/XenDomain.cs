namespace SuperCloud.NodeAgent.Hypervisor.Xen;

/// <summary>One line of <c>xl list</c>: a domain's name, id and state.</summary>
/// <param name="Name">The domain name (the VM id for domains the agent created).</param>
/// <param name="DomainId">Xen's domain id.</param>
/// <param name="MemoryMib">Current memory in MiB.</param>
/// <param name="Vcpus">Number of vCPUs.</param>
/// <param name="Flags">The six state flags, e.g. <c>-b----</c>.</param>
/// <param name="State">The flags mapped to an agent state.</param>
public sealed record XenDomain(string Name, int DomainId, long MemoryMib, int Vcpus, string Flags, VmState State);
