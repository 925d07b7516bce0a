using System.Text.Json.Serialization;
using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A host's cluster, hypervisor, agent endpoint and scheduling settings.</summary>
[CelRule("!has(self.accelerator) || !has(self.hypervisor) || self.hypervisor == 'qemu'", "accelerator only applies to hypervisor qemu", FieldPath = ".accelerator", Reason = "FieldValueForbidden")]
public sealed class SuperNodeSpec
{
    /// <summary>The SuperCluster the host belongs to; immutable.</summary>
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    [CelRule("self == oldSelf", "cluster is immutable")]
    public required string Cluster { get; set; }

    /// <summary>The hypervisor the agent drives.</summary>
    [Default("qemu")]
    public Hypervisor? Hypervisor { get; set; }

    /// <summary>QEMU's accelerator; tcg when empty.</summary>
    public Accelerator? Accelerator { get; set; }

    /// <summary>host:port of the node agent's gRPC endpoint.</summary>
    [Pattern(Patterns.HostPort)]
    [MaxLength(260)]
    public required string AgentEndpoint { get; set; }

    /// <summary>The host's address on the underlay network: the VXLAN tunnel endpoint of its overlays; the agent endpoint's host when empty.</summary>
    [JsonPropertyName("underlayIP")]
    [Pattern(Patterns.IPv4)]
    public string? UnderlayIp { get; set; }

    /// <summary>The cloud's instance ID (<c>i-0abc...</c>), for provider-managed hosts.</summary>
    [MaxLength(128)]
    public string? ProviderId { get; set; }

    /// <summary>Whether the host is spot (preemptible) capacity.</summary>
    [Default(false)]
    public bool? Spot { get; set; }

    /// <summary>When true no new SuperPods are placed on the host (kubectl cordon semantics).</summary>
    [Default(false)]
    public bool? Unschedulable { get; set; }

    /// <summary>Taints; SuperPods without a matching toleration avoid the host.</summary>
    [MaxItems(32)]
    public IList<V1Taint>? Taints { get; set; }
}
