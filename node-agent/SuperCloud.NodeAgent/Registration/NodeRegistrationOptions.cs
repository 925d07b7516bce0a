using System.Text.RegularExpressions;

namespace SuperCloud.NodeAgent.Registration;

/// <summary>Settings of the SuperNode registration and Lease heartbeat; bound from the <c>Kubernetes</c> configuration section.</summary>
public sealed partial class NodeRegistrationOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Kubernetes";

    /// <summary>The field manager of every write the agent makes (server-side apply ownership).</summary>
    public const string FieldManager = "supercloud-node-agent";

    /// <summary>The kubeconfig file to use; when empty the in-cluster configuration is used if present, else registration is off.</summary>
    public string Kubeconfig { get; set; } = "";

    /// <summary>The kubeconfig context to use; the current context when empty.</summary>
    public string Context { get; set; } = "";

    /// <summary>The SuperCluster this host belongs to (<c>spec.cluster</c>, label <c>supercloud.dev/cluster</c>); required.</summary>
    public string Cluster { get; set; } = "";

    /// <summary>host:port of this agent's gRPC endpoint as the operator reaches it; <c>NodeName:Port</c> when empty.</summary>
    public string AgentEndpoint { get; set; } = "";

    /// <summary>The host's underlay (VXLAN tunnel) IPv4 address; omitted when empty.</summary>
    public string UnderlayIp { get; set; } = "";

    /// <summary>The cloud's instance ID of this host; omitted when empty.</summary>
    public string ProviderId { get; set; } = "";

    /// <summary>QEMU's accelerator (<c>tcg</c> or <c>kvm</c>) for <c>spec.accelerator</c>; the host sets it from <c>Qemu:Accelerator</c>.</summary>
    public string Accelerator { get; set; } = "";

    /// <summary>How many SuperPods the host offers (<c>status.capacity.superPods</c>), like kubelet's maxPods.</summary>
    public int MaxSuperPods { get; set; } = 110;

    /// <summary>The namespace of the heartbeat Lease (created by the chart).</summary>
    public string LeaseNamespace { get; set; } = "supercloud-system";

    /// <summary>The Lease's <c>leaseDurationSeconds</c>: how long after the last renewal the operator treats the node as NotReady.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>How often the Lease is renewed and the host re-examined.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the status is written when nothing changed (refreshing <c>lastHeartbeatTime</c>); a change of
    /// readiness or capacity is written at the next renewal. Like kubelet's nodeStatusReportFrequency.
    /// </summary>
    public TimeSpan StatusReportInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one API request may take: a hung request must not outlive the Lease it is renewing.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between retries after API errors.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(7);

    /// <summary>Returns the problems in these options (and the agent options they depend on), each naming its option.</summary>
    public IReadOnlyList<string> Validate(NodeAgentOptions agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var errors = new List<string>();
        if (!DnsSubdomain().IsMatch(agent.NodeName) || agent.NodeName.Length > 253)
        {
            errors.Add($"NodeAgent:NodeName must be a lowercase DNS subdomain to name a SuperNode and a Lease, got '{agent.NodeName}'");
        }

        if (Cluster.Length == 0)
        {
            errors.Add("Kubernetes:Cluster is required to register the SuperNode");
        }
        else if (!DnsSubdomain().IsMatch(Cluster) || Cluster.Length > 253)
        {
            errors.Add($"Kubernetes:Cluster must be a lowercase DNS subdomain, got '{Cluster}'");
        }

        foreach (var (name, value) in new[] { ("NodeAgent:Cloud", agent.Cloud), ("NodeAgent:Region", agent.Region), ("NodeAgent:Zone", agent.Zone) })
        {
            if (value.Length > 0 && (value.Length > 63 || !LabelValue().IsMatch(value)))
            {
                errors.Add($"{name} must be a label value (at most 63 characters: letters, digits, '-', '_', '.', alphanumeric at both ends), got '{value}'");
            }
        }

        if (AgentEndpoint.Length > 0 && !HostPort().IsMatch(AgentEndpoint))
        {
            errors.Add($"Kubernetes:AgentEndpoint must be host:port, got '{AgentEndpoint}'");
        }

        if (UnderlayIp.Length > 0 && !(System.Net.IPAddress.TryParse(UnderlayIp, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork))
        {
            errors.Add($"Kubernetes:UnderlayIp must be an IPv4 address, got '{UnderlayIp}'");
        }

        if (Accelerator is not ("" or "tcg" or "kvm"))
        {
            errors.Add($"Kubernetes:Accelerator must be 'tcg' or 'kvm', got '{Accelerator}'");
        }

        if (MaxSuperPods < 0)
        {
            errors.Add($"Kubernetes:MaxSuperPods must not be negative, got {MaxSuperPods}");
        }

        if (!DnsLabel().IsMatch(LeaseNamespace))
        {
            errors.Add($"Kubernetes:LeaseNamespace must be a namespace name, got '{LeaseNamespace}'");
        }

        if (RenewInterval <= TimeSpan.Zero)
        {
            errors.Add($"Kubernetes:RenewInterval must be positive, got {RenewInterval}");
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration <= RenewInterval)
        {
            errors.Add($"Kubernetes:LeaseDuration must be at least 1 s and longer than Kubernetes:RenewInterval ({RenewInterval}), got {LeaseDuration}");
        }

        if (StatusReportInterval <= TimeSpan.Zero)
        {
            errors.Add($"Kubernetes:StatusReportInterval must be positive, got {StatusReportInterval}");
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout >= LeaseDuration)
        {
            errors.Add($"Kubernetes:RequestTimeout must be positive and shorter than Kubernetes:LeaseDuration ({LeaseDuration}), got {RequestTimeout}");
        }

        if (MaxRetryDelay <= TimeSpan.Zero)
        {
            errors.Add($"Kubernetes:MaxRetryDelay must be positive, got {MaxRetryDelay}");
        }

        return errors;
    }

    /// <summary>The agent endpoint to advertise: <see cref="AgentEndpoint"/> or <c>NodeName:Port</c>.</summary>
    public string EffectiveAgentEndpoint(NodeAgentOptions agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return AgentEndpoint.Length > 0 ? AgentEndpoint : $"{agent.NodeName}:{agent.Port}";
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:[0-9]{1,5}$")]
    private static partial Regex HostPort();
}
