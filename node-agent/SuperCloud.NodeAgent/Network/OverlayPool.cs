using SuperCloud.Crds.Networking;

namespace SuperCloud.NodeAgent.Network;

/// <summary>An address pool of an overlay network, with the gateway address the hosts answer for.</summary>
/// <param name="Cidr">The pool.</param>
/// <param name="Gateway">Its gateway address.</param>
/// <param name="Cluster">The SuperCluster that contributes it.</param>
public sealed record OverlayPool(Ipv4Prefix Cidr, uint Gateway, string Cluster);
