namespace SuperCloud.NodeAgent.Network;

/// <summary>A VM NIC's tap device on this host's integration bridge.</summary>
/// <param name="Name">The tap device (and OVS port) name.</param>
/// <param name="VmId">The VM it belongs to.</param>
/// <param name="Mac">The guest MAC behind it.</param>
public sealed record LocalPort(string Name, string VmId, string Mac);
