namespace SuperCloud.NodeAgent.Network;

/// <summary>One overlay network: a VXLAN segment and the address pools the clusters contribute to it.</summary>
/// <param name="Name">The network's name.</param>
/// <param name="Vni">Its VXLAN network identifier.</param>
/// <param name="Pools">Its address pools.</param>
public sealed record OverlaySegment(string Name, uint Vni, IReadOnlyList<OverlayPool> Pools);
