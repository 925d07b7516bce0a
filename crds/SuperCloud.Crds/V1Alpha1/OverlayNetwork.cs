using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>
/// An overlay network a cluster joins: a VXLAN segment that spans every cluster declaring the same name (the same VNI
/// everywhere), and the address pool this cluster contributes to it. Pools never overlap, across networks and clusters.
/// </summary>
public sealed class OverlayNetwork
{
    /// <summary>The network's name, as SuperPods name it in spec.networks[].overlay; the same network in every cluster that declares it.</summary>
    [Pattern(Patterns.DnsLabel)]
    [MaxLength(63)]
    public required string Name { get; set; }

    /// <summary>The network's VXLAN network identifier: every cluster that declares the network must give the same one.</summary>
    [Minimum(1)]
    [Maximum(16777215)]
    public required int Vni { get; set; }

    /// <summary>
    /// The IPv4 pool (/8 to /30) SuperPods bound to this cluster get addresses from; its first address is the gateway.
    /// It must not overlap any other pool of any network or cluster.
    /// </summary>
    [Pattern(Patterns.IPv4Cidr)]
    [MaxLength(18)]
    public required string Cidr { get; set; }
}
