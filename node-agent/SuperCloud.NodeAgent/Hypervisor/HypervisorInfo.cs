namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>What a driver reports about its hypervisor on this host.</summary>
/// <param name="Name">The driver name, <c>qemu</c> or <c>xen</c>.</param>
/// <param name="Available">Whether VMs can run here.</param>
/// <param name="Version">The hypervisor version when known, else empty.</param>
/// <param name="Detail">Accelerator or toolstack details, or why the hypervisor is unavailable.</param>
public sealed record HypervisorInfo(string Name, bool Available, string Version, string Detail);
