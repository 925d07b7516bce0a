using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Lab.ApiServer;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;
using SuperCloud.NodeAgent.Registration;

namespace SuperCloud.NodeAgent.Tests.Registration;

/// <summary>
/// A real lab API server with the SuperNode CRD and the agents' namespace, and real agent hosts (gRPC server, QEMU
/// driver without VMs, registration) pointed at it through a kubeconfig — as <c>--Kubernetes:Kubeconfig</c> does.
/// </summary>
internal sealed class RegistrationLab : IAsyncDisposable
{
    public const string Namespace = "supercloud-system";
    private static readonly TimeSpan Validity = TimeSpan.FromDays(1);

    private readonly List<WebApplication> _agents = [];
    private readonly CertificateAuthority _ca = CertificateAuthority.Create("registration-test-ca", Validity, TimeProvider.System);
    private readonly string _directory = TestEnvironment.NewTempDir("screg");

    private RegistrationLab(LabApiServer server, string kubeconfigPath)
    {
        Server = server;
        KubeconfigPath = kubeconfigPath;
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath));
    }

    public LabApiServer Server { get; }

    public string KubeconfigPath { get; }

    public IKubernetes Client { get; }

    public CapturedLogs Logs { get; } = new();

    public static async Task<RegistrationLab> StartAsync()
    {
        var server = await LabApiServer.StartAsync(new LabApiServerOptions(), CancellationToken.None);
        var kubeconfig = Path.Combine(TestEnvironment.NewTempDir("sckube"), "config");
        server.WriteKubeconfig(kubeconfig);
        var lab = new RegistrationLab(server, kubeconfig);
        var crdPath = Path.Combine(AppContext.BaseDirectory, "crds", "supercloud.dev_supernodes.yaml");
        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(crdPath));
        await lab.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        await lab.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } });
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await lab.Client.CustomObjects.ListClusterCustomObjectAsync(SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName);
                return true;
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                return false;
            }
        }, served => served, TimeSpan.FromSeconds(5), "SuperNode CRD served");
        return lab;
    }

    /// <summary>Registration options for tests: short intervals, the endpoint of a real agent.</summary>
    public static NodeRegistrationOptions FastOptions(string agentEndpoint = "agent-1.lab:7443") => new()
    {
        Kubeconfig = "",
        Cluster = "lab-eu",
        AgentEndpoint = agentEndpoint,
        UnderlayIp = "10.0.0.11",
        RenewInterval = TimeSpan.FromMilliseconds(150),
        LeaseDuration = TimeSpan.FromSeconds(40),
        StatusReportInterval = TimeSpan.FromMinutes(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(400),
    };

    public static NodeAgentOptions AgentOptions(string nodeName = "agent-1", string hypervisor = "qemu") => new()
    {
        NodeName = nodeName,
        ListenAddress = "127.0.0.1",
        Port = 0,
        Cloud = "aws",
        Region = "eu-west-1",
        Zone = "eu-west-1a",
        Spot = true,
        Hypervisor = hypervisor,
        ReservedCpus = 0,
        ReservedMemoryMib = 128,
    };

    /// <summary>
    /// Starts a real agent host with registration configured from a kubeconfig file (the administrator's unless
    /// <paramref name="kubeconfig"/> names another identity's), as Program does.
    /// </summary>
    public async Task<WebApplication> StartAgentAsync(NodeAgentOptions agent, NodeRegistrationOptions registration, IHypervisorDriver? driver = null, string? kubeconfig = null)
    {
        registration.Kubeconfig = kubeconfig ?? KubeconfigPath;
        registration.Validate(agent).Should().BeEmpty();
        var clientConfiguration = NodeRegistrationSetup.ClientConfiguration(registration)!;
        var images = GuestImage.OfflineCache();
        driver ??= await QemuDriver.OpenAsync(new QemuDriverOptions { StateDirectory = Path.Combine(_directory, agent.NodeName) }, images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);
        var app = AgentServer.Build(agent, TestCredentials.ForNode(_ca, agent.NodeName), driver, images, TimeProvider.System, builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(Logs);
            builder.Services.AddNodeRegistration(registration, clientConfiguration);
        });
        await app.StartAsync();
        _agents.Add(app);
        return app;
    }

    public async Task StopAgentAsync(WebApplication app)
    {
        _agents.Remove(app);
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public async Task<SuperNode?> TryGetNodeAsync(string name)
    {
        try
        {
            var result = (JsonElement)await Client.CustomObjects.GetClusterCustomObjectAsync(SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, name);
            return KubernetesJson.Deserialize<SuperNode>(result.GetRawText());
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<V1Lease?> TryGetLeaseAsync(string name)
    {
        try
        {
            return await Client.CoordinationV1.ReadNamespacedLeaseAsync(name, Namespace);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Polls until the SuperNode exists and satisfies <paramref name="done"/>.</summary>
    public async Task<SuperNode> WaitForNodeAsync(string name, Func<SuperNode, bool> done, string what) =>
        (await Poll.UntilAsync(() => TryGetNodeAsync(name), n => n is not null && done(n), TimeSpan.FromSeconds(5), what))!;

    /// <summary>Polls until the Lease exists and satisfies <paramref name="done"/>.</summary>
    public async Task<V1Lease> WaitForLeaseAsync(string name, Func<V1Lease, bool> done, string what) =>
        (await Poll.UntilAsync(() => TryGetLeaseAsync(name), l => l is not null && done(l), TimeSpan.FromSeconds(5), what))!;

    public static V1Condition? Ready(SuperNode node) => node.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.Ready);

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _agents.ToList())
        {
            await StopAgentAsync(app);
        }

        Client.Dispose();
        await Server.DisposeAsync();
        _ca.Dispose();
        Directory.Delete(_directory, recursive: true);
        Directory.Delete(Path.GetDirectoryName(KubeconfigPath)!, recursive: true);
    }

    /// <summary>
    /// Installs node-agent/deploy (ServiceAccount, RBAC, admission policy), a core Node for each of <paramref name="nodes"/>,
    /// and writes a kubeconfig with the agents' ServiceAccount token bound to the first node; returns its path.
    /// </summary>
    public async Task<string> InstallAgentIdentityAsync(params string[] nodes)
    {
        foreach (var file in new[] { "serviceaccount.yaml", "rbac.yaml", "admission-policy.yaml" })
        {
            foreach (var obj in KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "deploy", file))))
            {
                await CreateAsync(obj);
            }
        }

        foreach (var name in nodes)
        {
            await Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } });
        }

        var node = await Client.CoreV1.ReadNodeAsync(nodes[0]);
        var token = await Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec { BoundObjectRef = new V1BoundObjectReference { Kind = "Node", ApiVersion = "v1", Name = nodes[0], Uid = node.Metadata.Uid } },
        }, "supercloud-node-agent", Namespace);
        var path = Path.Combine(Path.GetDirectoryName(KubeconfigPath)!, nodes[0] + ".kubeconfig");
        await File.WriteAllTextAsync(path, Server.KubeconfigFor(Server.BaseAddress, token.Status.Token));
        return path;
    }

    private async Task CreateAsync(object obj)
    {
        switch (obj)
        {
            case V1ServiceAccount account:
                await Client.CoreV1.CreateNamespacedServiceAccountAsync(account, account.Metadata.NamespaceProperty);
                break;
            case V1ClusterRole role:
                await Client.RbacAuthorizationV1.CreateClusterRoleAsync(role);
                break;
            case V1ClusterRoleBinding binding:
                await Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(binding);
                break;
            case V1Role role:
                await Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(role, role.Metadata.NamespaceProperty);
                break;
            case V1RoleBinding binding:
                await Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(binding, binding.Metadata.NamespaceProperty);
                break;
            case V1ValidatingAdmissionPolicy policy:
                await Client.AdmissionregistrationV1.CreateValidatingAdmissionPolicyAsync(policy);
                break;
            case V1ValidatingAdmissionPolicyBinding binding:
                await Client.AdmissionregistrationV1.CreateValidatingAdmissionPolicyBindingAsync(binding);
                break;
            default:
                throw new InvalidOperationException($"unexpected object {obj.GetType().Name} in node-agent/deploy");
        }
    }
}
