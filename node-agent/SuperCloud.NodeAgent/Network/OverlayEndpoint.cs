namespace SuperCloud.NodeAgent.Network;

/// <summary>One SuperPod network interface on the overlay and the node that runs its VM.</summary>
/// <param name="VmId">The VM id on the agents.</param>
/// <param name="Interface">The interface's name in the SuperPod's spec.</param>
/// <param name="Ip">Its overlay address.</param>
/// <param name="Mac">Its MAC, lower-case colon-separated.</param>
/// <param name="Vni">The VNI of its network.</param>
/// <param name="Node">The node that runs the VM.</param>
/// <param name="SuperPod">namespace/name of the SuperPod, for messages.</param>
public sealed record OverlayEndpoint(string VmId, string Interface, uint Ip, string Mac, uint Vni, string Node, string SuperPod);
