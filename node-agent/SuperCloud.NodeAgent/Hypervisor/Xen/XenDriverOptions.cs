namespace SuperCloud.NodeAgent.Hypervisor.Xen;

/// <summary>Settings of the Xen driver; bound from the <c>Xen</c> configuration section.</summary>
public sealed class XenDriverOptions
{
    /// <summary>Where each VM gets its directory (spec, generated xl config, console log).</summary>
    public string StateDirectory { get; set; } = "/var/lib/supercloud/xen";

    /// <summary>The xl toolstack binary, a path or a name on PATH.</summary>
    public string XlBinary { get; set; } = "xl";

    /// <summary>The privcmd device whose presence means this kernel runs as a Xen dom0 (or a Xen-Blanket guest).</summary>
    public string PrivcmdDevice { get; set; } = "/dev/xen/privcmd";

    /// <summary>How long one xl invocation may take.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
