namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>A VM network interface backed by a host tap device that the network layer creates and plugs.</summary>
/// <param name="TapDevice">The host tap device name (at most 15 characters).</param>
/// <param name="Mac">The guest MAC address, lower-case colon-separated.</param>
public sealed record VmNic(string TapDevice, string Mac)
{
    /// <summary>The guest's static address on this NIC, passed on its kernel command line; null when the guest configures it itself.</summary>
    public GuestNicAddress? Address { get; init; }
}
