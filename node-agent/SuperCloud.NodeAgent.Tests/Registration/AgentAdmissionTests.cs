using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.NodeAgent.Tests.Registration;

/// <summary>
/// The agent's RBAC and admission policy (node-agent/deploy) enforced by the lab API server on the agent's real
/// credentials — a ServiceAccount token bound to its node, as the DaemonSet's projected token is: the real
/// registration code registers and heartbeats; every write that would reach beyond its own node is refused with
/// kube's message and changes nothing.
/// </summary>
public sealed class AgentAdmissionTests : IAsyncLifetime, IDisposable
{
    private const string Agent = "agent-1";
    private const string Neighbour = "agent-2";
    private RegistrationLab _lab = null!;
    private Kubernetes _agentClient = null!;
    private string _agentKubeconfig = null!;

    public async Task InitializeAsync()
    {
        _lab = await RegistrationLab.StartAsync();
        _agentKubeconfig = await _lab.InstallAgentIdentityAsync(Agent, Neighbour);
        _agentClient = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_agentKubeconfig));
    }

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    public void Dispose() => _agentClient.Dispose();

    [Fact]
    public async Task The_agent_registers_reports_and_heartbeats_with_its_own_credentials()
    {
        await _lab.StartAgentAsync(RegistrationLab.AgentOptions(Agent), RegistrationLab.FastOptions(), kubeconfig: _agentKubeconfig);

        var registered = await _lab.WaitForNodeAsync(Agent, n => RegistrationLab.Ready(n)?.Status == "True", "agent-1 registered and Ready");
        registered.Spec.AgentEndpoint.Should().Be("agent-1.lab:7443");
        var lease = await _lab.WaitForLeaseAsync(Agent, l => l.Spec.RenewTime is not null, "agent-1 Lease renewed");
        lease.Spec.HolderIdentity.Should().Be(Agent);
        _lab.Logs.Events.Should().NotContain(e => e.Message.Contains("Forbidden", StringComparison.Ordinal) || e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task Writes_beyond_its_own_node_are_refused_with_kubes_message_and_change_nothing()
    {
        await _lab.StartAgentAsync(RegistrationLab.AgentOptions(Agent), RegistrationLab.FastOptions(), kubeconfig: _agentKubeconfig);
        await _lab.WaitForNodeAsync(Agent, n => RegistrationLab.Ready(n)?.Status == "True", "agent-1 registered");
        await _lab.Client.CustomObjects.CreateClusterCustomObjectAsync(
            NodeObject(Neighbour, "10.0.0.12:7443"), SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName);
        var before = await _lab.TryGetNodeAsync(Agent);

        var refusals = new (string What, Func<Task> Write, HttpStatusCode Code, string Message)[]
        {
            ("another node's SuperNode", () => MergeAsync(Neighbour, new JsonObject { ["spec"] = new JsonObject { ["spot"] = true } }),
                HttpStatusCode.Forbidden, "the node agent of node agent-1 may only write the SuperNode and Lease named agent-1, not agent-2"),
            ("another node's status", () => MergeAsync(Neighbour, new JsonObject { ["status"] = new JsonObject { ["phase"] = "Ready" } }, status: true),
                HttpStatusCode.Forbidden, "may only write the SuperNode and Lease named agent-1, not agent-2"),
            ("fencing itself", () => MergeAsync(Agent, Annotation("supercloud.dev/fenced", "true")),
                HttpStatusCode.Forbidden, "the node agent of node agent-1 may not set, change or remove supercloud.dev/ annotations (fenced, drain) of its SuperNode"),
            ("draining itself", () => MergeAsync(Agent, Annotation("supercloud.dev/drain", "true")), HttpStatusCode.Forbidden, "supercloud.dev/ annotations"),
            ("its endpoint", () => MergeAsync(Agent, new JsonObject { ["spec"] = new JsonObject { ["agentEndpoint"] = "10.9.9.9:7443" } }),
                HttpStatusCode.Forbidden, "may not change spec.agentEndpoint, spec.underlayIP or spec.cluster of its SuperNode; an administrator does"),
            ("its cluster (immutable for everyone)", () => MergeAsync(Agent, new JsonObject { ["spec"] = new JsonObject { ["cluster"] = "cheap-cloud" } }),
                HttpStatusCode.UnprocessableEntity, "cluster is immutable"),
            ("its underlay address", () => MergeAsync(Agent, new JsonObject { ["spec"] = new JsonObject { ["underlayIP"] = "10.9.9.9" } }),
                HttpStatusCode.Forbidden, "may not change spec.agentEndpoint, spec.underlayIP or spec.cluster"),
            ("its labels", () => MergeAsync(Agent, new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["supercloud.dev/cloud"] = "onprem" } } }),
                HttpStatusCode.Forbidden, "may not change the labels of its SuperNode after registering it"),
            ("a taint", () => MergeAsync(Agent, new JsonObject { ["spec"] = new JsonObject { ["taints"] = new JsonArray(new JsonObject { ["key"] = "x", ["effect"] = "NoSchedule" }) } }),
                HttpStatusCode.Forbidden, "may not taint or cordon its SuperNode"),
            ("cordoning", () => MergeAsync(Agent, new JsonObject { ["spec"] = new JsonObject { ["unschedulable"] = true } }), HttpStatusCode.Forbidden, "may not taint or cordon"),
            ("another node's Lease", () => _agentClient.CoordinationV1.CreateNamespacedLeaseAsync(
                    new V1Lease { Metadata = new V1ObjectMeta { Name = Neighbour }, Spec = new V1LeaseSpec { HolderIdentity = Neighbour } }, RegistrationLab.Namespace),
                HttpStatusCode.Forbidden, "may only write the SuperNode and Lease named agent-1, not agent-2"),
            ("deleting its SuperNode", () => _agentClient.CustomObjects.DeleteClusterCustomObjectAsync(SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, Agent),
                HttpStatusCode.Forbidden, "supernodes.supercloud.dev \"agent-1\" is forbidden: User \"system:serviceaccount:supercloud-system:supercloud-node-agent\" cannot delete resource \"supernodes\" in API group \"supercloud.dev\" at the cluster scope"),
            ("reading Secrets", () => _agentClient.CoreV1.ListNamespacedSecretAsync(RegistrationLab.Namespace),
                HttpStatusCode.Forbidden, "secrets is forbidden: User \"system:serviceaccount:supercloud-system:supercloud-node-agent\" cannot list resource \"secrets\" in API group \"\" in the namespace \"supercloud-system\""),
            ("reading SuperPods (tenants' specs and cloud-init data)", () => _agentClient.CustomObjects.ListClusterCustomObjectAsync("supercloud.dev", "v1alpha1", "superpods"),
                HttpStatusCode.Forbidden, "cannot list resource \"superpods\" in API group \"supercloud.dev\" at the cluster scope"),
            ("writing a SuperPod", () => _agentClient.CustomObjects.CreateNamespacedCustomObjectAsync(new JsonObject(), "supercloud.dev", "v1alpha1", "default", "superpods"),
                HttpStatusCode.Forbidden, "cannot create resource \"superpods\""),
        };

        foreach (var (what, write, code, message) in refusals)
        {
            var refused = await write.Should().ThrowAsync<HttpOperationException>(what);
            refused.Which.Response.StatusCode.Should().Be(code, what);
            JsonNode.Parse(refused.Which.Response.Content)!["message"]!.GetValue<string>().Should().Contain(message, what);
        }

        var after = await _lab.TryGetNodeAsync(Agent);
        after!.Metadata.Annotations.Should().BeNull();
        after.Metadata.Labels.Should().BeEquivalentTo(before!.Metadata.Labels);
        after.Spec.AgentEndpoint.Should().Be(before.Spec.AgentEndpoint);
        after.Spec.Taints.Should().BeNull();
        (await _lab.TryGetNodeAsync(Neighbour))!.Spec.Spot.Should().BeFalse();
    }

    [Fact]
    public async Task An_administrator_may_still_fence_and_drain_the_node()
    {
        await _lab.Client.CustomObjects.CreateClusterCustomObjectAsync(NodeObject(Agent, "10.0.0.11:7443"), SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName);

        await _lab.Client.CustomObjects.PatchClusterCustomObjectAsync(
            new V1Patch(Annotation("supercloud.dev/fenced", "true").ToJsonString(), V1Patch.PatchType.MergePatch),
            SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, Agent);

        (await _lab.TryGetNodeAsync(Agent))!.Metadata.Annotations.Should().Contain("supercloud.dev/fenced", "true");
    }

    [Fact]
    public async Task A_token_without_a_node_binding_is_refused_for_every_write()
    {
        var unbound = await _lab.Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec() }, "supercloud-node-agent", RegistrationLab.Namespace);
        var path = Path.Combine(Path.GetDirectoryName(_lab.KubeconfigPath)!, "unbound.kubeconfig");
        await File.WriteAllTextAsync(path, _lab.Server.KubeconfigFor(_lab.Server.BaseAddress, unbound.Status.Token));
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));

        var refused = await client.Invoking(c => c.CustomObjects.CreateClusterCustomObjectAsync(
            NodeObject(Agent, "10.0.0.11:7443"), SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, cancellationToken: default)).Should().ThrowAsync<HttpOperationException>();

        refused.Which.Response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        refused.Which.Response.Content.Should().Contain("is not bound to a node");
    }

    private Task<object> MergeAsync(string name, JsonObject patch, bool status = false)
    {
        var body = new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch);
        return status
            ? _agentClient.CustomObjects.PatchClusterCustomObjectStatusAsync(body, SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, name)
            : _agentClient.CustomObjects.PatchClusterCustomObjectAsync(body, SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, name);
    }

    private static JsonObject Annotation(string key, string value) =>
        new() { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [key] = value } } };

    private static JsonObject NodeObject(string name, string endpoint) => new()
    {
        ["apiVersion"] = "supercloud.dev/v1alpha1",
        ["kind"] = "SuperNode",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["cluster"] = "lab-eu", ["hypervisor"] = "qemu", ["agentEndpoint"] = endpoint, ["spot"] = false },
    };
}
