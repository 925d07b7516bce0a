using SuperCloud.Crds.Networking;

namespace SuperCloud.Operator.Networking;

/// <summary>A cluster's address pool of an overlay network; its first address is the gateway.</summary>
/// <param name="Cluster">The SuperCluster.</param>
/// <param name="Cidr">The pool.</param>
/// <param name="Gateway">Its gateway address.</param>
public sealed record CatalogPool(string Cluster, Ipv4Prefix Cidr, uint Gateway)
{
    /// <summary>Whether a SuperPod may have <paramref name="address"/>: a host address that is not the gateway.</summary>
    public bool IsAssignable(uint address) => Cidr.Contains(address) && address != Cidr.Network && address != Cidr.Broadcast && address != Gateway;
}
