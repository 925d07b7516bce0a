namespace SuperCloud.NodeAgent.Network;

/// <summary>A node of the overlay: its VXLAN tunnel endpoint and its other addresses (which SuperPods may not reach).</summary>
/// <param name="Name">The SuperNode name.</param>
/// <param name="UnderlayIp">Its tunnel endpoint.</param>
/// <param name="Addresses">Its other addresses.</param>
public sealed record OverlayNode(string Name, uint UnderlayIp, IReadOnlyList<uint> Addresses);
