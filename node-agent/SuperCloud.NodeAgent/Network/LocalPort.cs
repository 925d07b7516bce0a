namespace SuperCloud.NodeAgent.Network;

/// <summary>A VM NIC's tap device on this host's integration bridge.</summary>
/// <param name="Name">The tap device (and OVS port) name.</param>
/// <param name="VmId">The VM it belongs to.</param>
/// <param name="Mac">The guest MAC behind it.</param>
/// <param name="OfPort">Its OpenFlow port number; 0 when not known (the flows then name it).</param>
public sealed record LocalPort(string Name, string VmId, string Mac, int OfPort = 0)
{
    /// <summary>How flows refer to it: by number, so an <c>ovs-ofctl</c> started before the port existed can still use it.</summary>
    public string FlowPort => OfPort > 0 ? OfPort.ToString(System.Globalization.CultureInfo.InvariantCulture) : Name;
}
