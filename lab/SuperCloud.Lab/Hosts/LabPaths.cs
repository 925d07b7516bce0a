namespace SuperCloud.Lab.Hosts;

/// <summary>Where a lab keeps its files in its data directory; the names are relative so the state file can list them.</summary>
/// <param name="DataDir">The data directory (absolute).</param>
public sealed record LabPaths(string DataDir)
{
    /// <summary>kubeconfig for users and kubectl: the TLS listener on 127.0.0.1, a client certificate in system:masters.</summary>
    public const string KubeconfigName = "kubeconfig";

    /// <summary>The operator's kubeconfig: its ServiceAccount's token, so it runs with exactly its RBAC.</summary>
    public const string OperatorKubeconfigName = "operator.kubeconfig";

    /// <summary>The API server's CA and serving certificate, and the admin's client certificate.</summary>
    public const string PkiName = "pki";

    /// <summary>The cluster CA, the operator's client certificate and each agent's server certificate.</summary>
    public const string CertsName = "certs";

    /// <summary>One directory per host: its agent's log and its VMs.</summary>
    public const string HostsName = "hosts";

    /// <summary>One directory per cloud's registry: its configuration, storage and log.</summary>
    public const string RegistriesName = "registries";

    /// <summary>The operator's log.</summary>
    public const string OperatorLogName = "operator.log";

    /// <summary>Written once every SuperNode is Ready and the operator serves.</summary>
    public const string ReadyName = "ready";

    /// <summary>See <see cref="KubeconfigName"/>.</summary>
    public string Kubeconfig => Path.Combine(DataDir, KubeconfigName);

    /// <summary>See <see cref="OperatorKubeconfigName"/>.</summary>
    public string OperatorKubeconfig => Path.Combine(DataDir, OperatorKubeconfigName);

    /// <summary>See <see cref="PkiName"/>.</summary>
    public string Pki => Path.Combine(DataDir, PkiName);

    /// <summary>
    /// The kubeconfig of <paramref name="host"/>'s agent: the node agents' ServiceAccount token bound to the host's Node, on
    /// the management address (reachable from the hosts' namespaces).
    /// </summary>
    public string HostKubeconfig(string host) => Path.Combine(Host(host), "kubeconfig");

    /// <summary>See <see cref="CertsName"/>.</summary>
    public string Certs => Path.Combine(DataDir, CertsName);

    /// <summary>See <see cref="OperatorLogName"/>.</summary>
    public string OperatorLog => Path.Combine(DataDir, OperatorLogName);

    /// <summary>See <see cref="ReadyName"/>.</summary>
    public string Ready => Path.Combine(DataDir, ReadyName);

    /// <summary>The directory of <paramref name="cloud"/>'s registry.</summary>
    public string Registry(string cloud) => Path.Combine(DataDir, RegistriesName, cloud);

    /// <summary>The image cache of <paramref name="host"/>'s agent.</summary>
    public string Images(string host) => Path.Combine(Host(host), "images");

    /// <summary>Pods run from workloads installed into the lab (<c>--install chart</c>): their volumes, kubeconfig and log.</summary>
    public const string PodsName = "pods";

    /// <summary>The directory of pod <paramref name="pod"/>.</summary>
    public string Pod(string pod) => Path.Combine(DataDir, PodsName, pod);

    /// <summary>The host's own root for hostPath volumes: its directory's <c>root</c>.</summary>
    public string HostRoot(string host) => Path.Combine(Host(host), "root");

    /// <summary>The directory of <paramref name="host"/>.</summary>
    public string Host(string host) => Path.Combine(DataDir, HostsName, host);

    /// <summary>The agent log of <paramref name="host"/>.</summary>
    public string AgentLog(string host) => Path.Combine(Host(host), "agent.log");

    /// <summary>The Open vSwitch instance of <paramref name="host"/>: its database, sockets, pid files and logs.</summary>
    public string Ovs(string host) => Path.Combine(Host(host), "ovs");

    /// <summary>Where <paramref name="host"/>'s agent keeps the overlay table it was last given.</summary>
    public string Network(string host) => Path.Combine(Host(host), "network");

    /// <summary>The VM state directory of <paramref name="host"/>'s agent (one subdirectory per VM, named by its id).</summary>
    public string Vms(string host) => Path.Combine(Host(host), "vms");
}
