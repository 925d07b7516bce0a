using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The addresses a SuperPod's network interface actually has: the user's fixed values or those the operator allocated.</summary>
public sealed class InterfaceStatus
{
    /// <summary>The interface name, as in spec.networks.</summary>
    [Pattern(Patterns.DnsLabel)]
    [MaxLength(63)]
    public required string Name { get; set; }

    /// <summary>The overlay IPv4 address in use: spec.networks[].ip, or the one the operator allocated.</summary>
    [Pattern(Patterns.IPv4)]
    public string? Ip { get; set; }

    /// <summary>The MAC address in use: spec.networks[].mac, or the one derived from the SuperPod's UID.</summary>
    [Pattern(Patterns.Mac)]
    public string? Mac { get; set; }

    /// <summary>The overlay network the interface is on.</summary>
    [Pattern(Patterns.DnsLabel)]
    public string? Overlay { get; set; }

    /// <summary>The network's VXLAN network identifier.</summary>
    [Minimum(1)]
    [Maximum(16777215)]
    public int? Vni { get; set; }

    /// <summary>The address pool the IP belongs to (its prefix is the guest's subnet; its first address the gateway).</summary>
    public string? Cidr { get; set; }

    /// <summary>The interface's MTU (the overlay's: the underlay's less the VXLAN header).</summary>
    [Minimum(576)]
    [Maximum(9000)]
    public int? Mtu { get; set; }
}
