namespace SuperCloud.Lab.Hosts;

/// <summary>One host of the lab: a network namespace with its own node agent, in one simulated cloud.</summary>
/// <param name="Name">The host's name (the SuperNode's): <c>CLOUD-N</c>.</param>
/// <param name="Cloud">The cloud it belongs to.</param>
/// <param name="Number">N, from 1 within its cloud.</param>
/// <param name="Spot">Whether it is a spot instance: every even-numbered host of a cloud that sells spot.</param>
/// <param name="Namespace">Its network namespace.</param>
/// <param name="Ip">Its underlay address on <c>eth0</c>: <c>A.B.CLOUD.(10+N)</c>.</param>
/// <param name="RouterPort">The name of its veth peer, a port of the cloud's bridge in the router namespace.</param>
public sealed record LabHost(string Name, LabCloud Cloud, int Number, bool Spot, string Namespace, string Ip, string RouterPort)
{
    /// <summary>The TCP port every agent listens on at its underlay address.</summary>
    public const int AgentPort = 7443;

    /// <summary>host:port the operator dials.</summary>
    public string AgentEndpoint => $"{Ip}:{AgentPort}";

    /// <summary>
    /// Its second underlay interface, <c>eth1</c> on the same cloud bridge: the overlay's VXLAN tunnels leave through it
    /// (the agent moves <see cref="UnderlayIp"/> onto its OVS underlay bridge), while <c>eth0</c> keeps the host's own
    /// traffic — the agent's API and migration streams — off OVS's userspace datapath.
    /// </summary>
    public const string UnderlayInterface = "eth1";

    /// <summary>Its tunnel endpoint: <c>A.B.CLOUD.(100+N)</c>, the SuperNode's spec.underlayIP.</summary>
    public string UnderlayIp => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Cloud.Gateway[..Cloud.Gateway.LastIndexOf('.')]}.{100 + Number}");

    /// <summary>The router-side peer of its <see cref="UnderlayInterface"/>.</summary>
    public string UnderlayRouterPort => RouterPort + "u";
}
