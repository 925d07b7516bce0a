namespace SuperCloud.NodeAgent.Network;

/// <summary>
/// The overlay's desired state as the operator published it, validated: networks with their pools, every SuperPod
/// interface with the node that runs it, every node's underlay address. The same for every host.
/// </summary>
/// <param name="Generation">The operator's identifier of this content.</param>
/// <param name="GatewayMac">The MAC every pool's gateway address answers with.</param>
/// <param name="Mtu">The MTU inside the overlay.</param>
/// <param name="Networks">The overlay networks (VXLAN segments).</param>
/// <param name="Endpoints">The SuperPod interfaces.</param>
/// <param name="Nodes">The nodes.</param>
public sealed record OverlayState(
    string Generation, string GatewayMac, int Mtu, IReadOnlyList<OverlaySegment> Networks, IReadOnlyList<OverlayEndpoint> Endpoints, IReadOnlyList<OverlayNode> Nodes)
{
    /// <summary>No overlay: nothing is delivered or tunnelled.</summary>
    public static readonly OverlayState Empty = new("", "02:5c:00:00:00:01", 1450, [], [], []);
}
