namespace SuperCloud.Operator.Networking;

/// <summary>An accepted overlay network: its VNI and the pools clusters contribute to it.</summary>
/// <param name="Name">The network's name.</param>
/// <param name="Vni">Its VXLAN network identifier.</param>
/// <param name="Pools">Its pools, oldest cluster first.</param>
public sealed record CatalogNetwork(string Name, uint Vni, IReadOnlyList<CatalogPool> Pools)
{
    /// <summary>The pool <paramref name="cluster"/> contributes, or null.</summary>
    public CatalogPool? PoolOf(string cluster) => Pools.FirstOrDefault(p => p.Cluster == cluster);

    /// <summary>The pool that holds <paramref name="address"/>, or null.</summary>
    public CatalogPool? PoolContaining(uint address) => Pools.FirstOrDefault(p => p.Cidr.Contains(address));
}
