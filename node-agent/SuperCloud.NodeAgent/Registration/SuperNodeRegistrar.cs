using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.NodeAgent.Registration;

/// <summary>
/// Writes this host's SuperNode with server-side apply (field manager <see cref="NodeRegistrationOptions.FieldManager"/>):
/// the spec fields and labels the agent owns, and the status through the <c>/status</c> subresource. Fields the agent
/// does not send (<c>spec.unschedulable</c>, <c>spec.taints</c>, other labels, other conditions) stay with their owners.
/// </summary>
/// <param name="client">The Kubernetes API.</param>
/// <param name="agent">Node name, cloud, region, zone, spot, hypervisor.</param>
/// <param name="options">Cluster, endpoint and accelerator.</param>
/// <param name="timeProvider">The clock for heartbeat and transition times.</param>
public sealed class SuperNodeRegistrar(IKubernetes client, NodeAgentOptions agent, NodeRegistrationOptions options, TimeProvider timeProvider)
{
    /// <summary>The agent version reported in <c>status.agentVersion</c>.</summary>
    public static readonly string AgentVersion =
        typeof(SuperNodeRegistrar).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Creates the SuperNode or updates the agent's fields of it; returns the object as stored.</summary>
    public async Task<SuperNode> ApplySpecAsync(CancellationToken cancellationToken)
    {
        var node = new SuperNode
        {
            Metadata = new V1ObjectMeta { Name = agent.NodeName, Labels = Labels() },
            Spec = new SuperNodeSpec
            {
                Cluster = options.Cluster,
                Hypervisor = agent.Hypervisor == "xen" ? Crds.V1Alpha1.Hypervisor.Xen : Crds.V1Alpha1.Hypervisor.Qemu,
                Accelerator = agent.Hypervisor == "qemu" ? options.Accelerator switch
                {
                    "kvm" => Accelerator.Kvm,
                    "tcg" => Accelerator.Tcg,
                    _ => null,
                } : null,
                AgentEndpoint = options.EffectiveAgentEndpoint(agent),
                UnderlayIp = Empty(options.UnderlayIp),
                ProviderId = Empty(options.ProviderId),
                Spot = agent.Spot,
            },
        };

        // Only the fields set above are sent (the client omits nulls), so only they become the agent's;
        // force takes them over from whoever wrote them last (an admin editing the endpoint, say).
        var result = await client.CustomObjects.PatchClusterCustomObjectAsync(
            new V1Patch(KubernetesJson.Serialize(node), V1Patch.PatchType.ApplyPatch),
            SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, agent.NodeName,
            fieldManager: NodeRegistrationOptions.FieldManager, force: true, cancellationToken: cancellationToken);
        return Read(result);
    }

    /// <summary>
    /// Writes <paramref name="report"/> as the status of <paramref name="current"/> (the object as last read, whose Ready
    /// condition keeps its lastTransitionTime when the status did not change); returns the object as stored.
    /// </summary>
    public async Task<SuperNode> ApplyStatusAsync(SuperNode current, HostReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(report);
        // metav1.Time (lastTransitionTime, lastHeartbeatTime) has second precision: what kube itself would store.
        var utc = timeProvider.GetUtcNow().UtcDateTime;
        var now = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        var conditionStatus = report.Ready ? "True" : "False";
        var previous = current.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Ready);
        var status = new SuperNodeStatus
        {
            ObservedGeneration = current.Metadata.Generation,
            Phase = report.Ready ? SuperNodePhase.Ready : SuperNodePhase.NotReady,
            Capacity = Resources(report.Cpus, report.MemoryMib, report.SuperPods),
            Allocatable = Resources(report.AllocatableCpus, report.AllocatableMemoryMib, report.SuperPods),
            LastHeartbeatTime = now,
            AgentVersion = AgentVersion,
            Conditions =
            [
                new V1Condition
                {
                    Type = ConditionTypes.Ready,
                    Status = conditionStatus,
                    Reason = report.Reason,
                    Message = report.Message,
                    ObservedGeneration = current.Metadata.Generation,
                    LastTransitionTime = previous?.Status == conditionStatus && previous.LastTransitionTime is { } since ? since : now,
                },
            ],
        };

        // The applied configuration holds only the status: kube ignores spec changes sent to /status, and sending
        // none keeps the agent from claiming spec fields through this request.
        var body = new JsonObject
        {
            ["apiVersion"] = SuperCloudApi.GroupVersion,
            ["kind"] = SuperNode.KubeKind,
            ["metadata"] = new JsonObject { ["name"] = agent.NodeName },
            ["status"] = JsonNode.Parse(KubernetesJson.Serialize(status)),
        };
        var result = await client.CustomObjects.PatchClusterCustomObjectStatusAsync(
            new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch),
            SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, agent.NodeName,
            fieldManager: NodeRegistrationOptions.FieldManager, force: true, cancellationToken: cancellationToken);
        return Read(result);
    }

    private Dictionary<string, string> Labels()
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal) { [NodeLabels.Cluster] = options.Cluster };
        if (agent.Cloud.Length > 0)
        {
            labels[NodeLabels.Cloud] = agent.Cloud;
        }

        if (agent.Region.Length > 0)
        {
            labels[NodeLabels.Region] = agent.Region;
        }

        if (agent.Zone.Length > 0)
        {
            labels[NodeLabels.Zone] = agent.Zone;
        }

        return labels;
    }

    private static NodeResources Resources(int cpus, long memoryMib, int superPods) => new()
    {
        Cpu = new ResourceQuantity(cpus.ToString(CultureInfo.InvariantCulture)),
        Memory = new ResourceQuantity(memoryMib.ToString(CultureInfo.InvariantCulture) + "Mi"),
        SuperPods = superPods,
    };

    private static string? Empty(string value) => value.Length == 0 ? null : value;

    private static SuperNode Read(object response) => response switch
    {
        JsonElement element => KubernetesJson.Deserialize<SuperNode>(element.GetRawText()),
        _ => KubernetesJson.Deserialize<SuperNode>(KubernetesJson.Serialize(response)),
    };
}
