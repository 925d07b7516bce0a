using System.Collections.Immutable;

namespace SuperCloud.NodeAgent.Network;

/// <summary>
/// What this host knows about a VM's place before the operator's table does, during a migration's switch-over: VMs
/// activated here (the target resumed them) and VMs forwarded from here to the target's underlay address (the source
/// paused them for good). The operator's next table agrees; until then these win.
/// </summary>
/// <param name="Activated">VMs delivered to their local taps whatever the table says.</param>
/// <param name="Forwarded">VMs whose traffic is tunnelled to the given underlay address, also traffic that arrives through a tunnel.</param>
public sealed record PortOverrides(ImmutableHashSet<string> Activated, ImmutableDictionary<string, uint> Forwarded)
{
    /// <summary>No overrides.</summary>
    public static readonly PortOverrides None = new([], ImmutableDictionary<string, uint>.Empty);

    /// <summary><paramref name="vmId"/> runs here now.</summary>
    public PortOverrides Activate(string vmId) => new(Activated.Add(vmId), Forwarded.Remove(vmId));

    /// <summary><paramref name="vmId"/> left for <paramref name="underlayIp"/>.</summary>
    public PortOverrides Forward(string vmId, uint underlayIp) => new(Activated.Remove(vmId), Forwarded.SetItem(vmId, underlayIp));

    /// <summary>Nothing overrides the table for <paramref name="vmId"/> any more.</summary>
    public PortOverrides Clear(string vmId) => new(Activated.Remove(vmId), Forwarded.Remove(vmId));
}
