namespace SuperCloud.Lab.Hosts;

/// <summary>One simulated cloud of the lab: a bridge in the router namespace with its own /24.</summary>
/// <param name="Spec">Name, provider, region and host count.</param>
/// <param name="Index">Its number from 1: the third octet of its /24.</param>
/// <param name="Bridge">The bridge's name in the router namespace.</param>
/// <param name="Subnet">Its /24, e.g. <c>10.100.1.0/24</c>.</param>
/// <param name="Gateway">The bridge's address, its hosts' default gateway.</param>
public sealed record LabCloud(CloudSpec Spec, int Index, string Bridge, string Subnet, string Gateway)
{
    /// <summary>The cloud's name.</summary>
    public string Name => Spec.Name;

    /// <summary>The address of the cloud's client namespace on its bridge (a laptop on the cloud's VPN): <c>A.B.CLOUD.250</c>.</summary>
    public string ClientIp => Gateway[..Gateway.LastIndexOf('.')] + ".250";

    /// <summary>The router-side peer of the client namespace's interface.</summary>
    public string ClientRouterPort => Bridge + "cl";
}
