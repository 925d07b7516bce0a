namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>A guest NIC's static IPv4 configuration, as the guest reads it from the kernel command line.</summary>
/// <param name="Ip">The guest's address.</param>
/// <param name="PrefixLength">The prefix length of its subnet (its overlay pool).</param>
/// <param name="Gateway">The default gateway, or null for none.</param>
/// <param name="Mtu">The interface MTU, or 0 for the guest's default.</param>
public sealed record GuestNicAddress(string Ip, int PrefixLength, string? Gateway, int Mtu);
