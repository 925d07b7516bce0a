using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The fixed address at which SuperPods see a StubResource.</summary>
public sealed class LocalAddress
{
    /// <summary>An IPv4 address on the SuperPod's overlay (<c>169.254.100.1</c>).</summary>
    [Pattern(Patterns.IPv4)]
    public required string Ip { get; set; }

    /// <summary>The port; the endpoint's port when empty.</summary>
    [Minimum(1)]
    [Maximum(65535)]
    public int? Port { get; set; }
}
