using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.NodeAgent.Interruption;

/// <summary>
/// Records a spot interruption on this host's own SuperNode: <c>status.interruptionNotice</c> and the
/// <c>InterruptionPending</c> condition, by server-side apply to <c>/status</c> under a field manager of its own
/// (<see cref="FieldManager"/>), so the heartbeat's applies (which send neither) leave them alone.
/// </summary>
/// <param name="client">The Kubernetes API, as the node's agent (its token allows its own SuperNode only).</param>
/// <param name="agent">The node's name.</param>
/// <param name="time">The clock for the condition's transition time.</param>
public sealed class InterruptionNoticeWriter(IKubernetes client, NodeAgentOptions agent, TimeProvider time)
{
    /// <summary>The field manager of the notice and its condition.</summary>
    public const string FieldManager = "supercloud-node-agent-interruption";

    /// <summary>InterruptionPending reason of a termination or stop notice.</summary>
    public const string InterruptionReason = "SpotInterruption";

    /// <summary>InterruptionPending reason of a rebalance recommendation.</summary>
    public const string RebalanceReason = "RebalanceRecommended";

    /// <summary>InterruptionPending reason once the metadata service withdrew its notice.</summary>
    public const string NoNoticeReason = "NoNotice";

    /// <summary>Writes <paramref name="interruption"/> (or, when null, that there is no notice any more).</summary>
    public async Task WriteAsync(SpotInterruption? interruption, CancellationToken cancellationToken)
    {
        var utc = time.GetUtcNow().UtcDateTime;
        var now = new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        var status = new JsonObject();
        V1Condition condition;
        if (interruption is null)
        {
            condition = new V1Condition { Type = ConditionTypes.InterruptionPending, Status = "False", Reason = NoNoticeReason, Message = "the instance metadata service has no interruption notice", LastTransitionTime = now };
        }
        else
        {
            status["interruptionNotice"] = JsonNode.Parse(KubernetesJson.Serialize(new InterruptionNotice
            {
                Reason = interruption.Reason,
                Time = interruption.IsInterruption ? interruption.Time : null,
            }));
            condition = new V1Condition
            {
                Type = ConditionTypes.InterruptionPending,
                Status = "True",
                Reason = interruption.IsInterruption ? InterruptionReason : RebalanceReason,
                Message = interruption.IsInterruption
                    ? string.Create(CultureInfo.InvariantCulture, $"the cloud will {interruption.Reason} this spot instance at {interruption.Time:yyyy-MM-ddTHH:mm:ssZ}")
                    : string.Create(CultureInfo.InvariantCulture, $"the cloud recommends rebalancing away from this spot instance (posted {interruption.Time:yyyy-MM-ddTHH:mm:ssZ}): it is at elevated risk of interruption"),
                LastTransitionTime = now,
            };
        }

        status["conditions"] = new JsonArray(JsonNode.Parse(KubernetesJson.Serialize(condition)));
        var body = new JsonObject
        {
            ["apiVersion"] = SuperCloudApi.GroupVersion,
            ["kind"] = SuperNode.KubeKind,
            ["metadata"] = new JsonObject { ["name"] = agent.NodeName },
            ["status"] = status,
        };
        await client.CustomObjects.PatchClusterCustomObjectStatusAsync(
            new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch),
            SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, agent.NodeName,
            fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
    }
}
