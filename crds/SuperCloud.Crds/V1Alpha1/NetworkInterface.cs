using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A network interface of a SuperPod on an overlay network; its IP and MAC move with the SuperPod.</summary>
public sealed class NetworkInterface
{
    /// <summary>The interface name, unique within the SuperPod.</summary>
    [Pattern(Patterns.DnsLabel)]
    [MaxLength(63)]
    public required string Name { get; set; }

    /// <summary>The stable overlay IPv4 address; allocated by the operator when empty.</summary>
    [Pattern(Patterns.IPv4)]
    public string? Ip { get; set; }

    /// <summary>The MAC address; derived from the SuperPod's UID when empty.</summary>
    [Pattern(Patterns.Mac)]
    public string? Mac { get; set; }

    /// <summary>The overlay network (VXLAN segment) the interface joins.</summary>
    [Pattern(Patterns.DnsLabel)]
    [MaxLength(63)]
    [Default("default")]
    public string? Overlay { get; set; }
}
