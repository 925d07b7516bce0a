using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>
/// A network interface of a SuperPod on an overlay network; its IP and MAC move with the SuperPod. The controller
/// never writes spec: addresses it allocates or derives are reported in status.interfaces.
/// </summary>
[CelRule("!has(oldSelf.ip) || (has(self.ip) && self.ip == oldSelf.ip)", "ip is immutable once set: the guest keeps its address across migrations; delete and recreate the SuperPod to change it", FieldPath = ".ip")]
[CelRule("!has(oldSelf.mac) || (has(self.mac) && self.mac == oldSelf.mac)", "mac is immutable once set: the guest keeps its MAC across migrations; delete and recreate the SuperPod to change it", FieldPath = ".mac")]
public sealed class NetworkInterface
{
    /// <summary>The interface name, unique within the SuperPod.</summary>
    [Pattern(Patterns.DnsLabel)]
    [MaxLength(63)]
    public required string Name { get; set; }

    /// <summary>
    /// A fixed overlay IPv4 address chosen by the user; immutable once set. When empty the operator allocates one and
    /// reports it in status.interfaces (it never writes it back here).
    /// </summary>
    [Pattern(Patterns.IPv4)]
    [MaxLength(15)]
    public string? Ip { get; set; }

    /// <summary>
    /// A fixed MAC address chosen by the user; immutable once set. When empty the operator derives one from the
    /// SuperPod's UID and reports it in status.interfaces (it never writes it back here).
    /// </summary>
    [Pattern(Patterns.Mac)]
    [MaxLength(17)]
    public string? Mac { get; set; }

    /// <summary>The overlay network (VXLAN segment) the interface joins.</summary>
    [Pattern(Patterns.DnsLabel)]
    [MaxLength(63)]
    [Default("default")]
    public string? Overlay { get; set; }
}
