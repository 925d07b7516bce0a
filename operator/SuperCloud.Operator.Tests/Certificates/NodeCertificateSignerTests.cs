extern alias nodeagent;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using nodeagent::SuperCloud.NodeAgent;
using nodeagent::SuperCloud.NodeAgent.Security;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Operator.Certificates;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Tests.Lab;

namespace SuperCloud.Operator.Tests.Certificates;

/// <summary>
/// The node agents' TLS bootstrap end to end through the lab API server: the agent's real requester with its node-bound
/// token, the operator's signer as a controller; and the signer's judgement of every kind of request.
/// </summary>
public sealed class NodeCertificateSignerTests : IAsyncLifetime, IDisposable
{
    private const string AgentUser = "system:serviceaccount:supercloud-system:supercloud-node-agent";
    private readonly CancellationTokenSource _stop = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("scop-csr").FullName;
    private LabServer _lab = null!;
    private CertificateAuthority _ca = null!;
    private ServiceProvider? _provider;
    private Task[] _runs = [];

    public async Task InitializeAsync()
    {
        _lab = await LabServer.StartAsync();
        _ca = CertificateAuthority.Create("cluster-ca", TimeSpan.FromDays(30), TimeProvider.System);
        File.WriteAllText(Path.Combine(_directory, "ca.crt"), _ca.Certificate.ExportCertificatePem() + "\n");
        await _lab.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "supercloud-system" } });
        foreach (var account in new[] { "supercloud-node-agent", "mallory" })
        {
            await _lab.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = account } }, "supercloud-system");
        }

        // Both may ask (as node-agent/deploy lets agents); only the signer tells them apart.
        await _lab.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = "csr-requester" },
            Rules = [new V1PolicyRule { ApiGroups = ["certificates.k8s.io"], Resources = ["certificatesigningrequests"], Verbs = ["create", "get"] }],
        });
        await _lab.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "csr-requester" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "csr-requester" },
            Subjects =
            [
                new Rbacv1Subject { Kind = "ServiceAccount", Name = "supercloud-node-agent", NamespaceProperty = "supercloud-system" },
                new Rbacv1Subject { Kind = "ServiceAccount", Name = "mallory", NamespaceProperty = "supercloud-system" },
            ],
        });

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddControllerRuntime(_lab.Client, new LeaderElectionOptions { Enabled = false });
        services.AddSingleton(new OperatorMetrics(Prometheus.Metrics.NewCustomRegistry()));
        services.AddNodeCertificateSigner(new NodeCertificateSignerOptions { Ca = _ca, NodeAgentUser = AgentUser });
        _provider = services.BuildServiceProvider();
        _runs = [.. _provider.GetServices<IInformer>().Select(i => i.RunAsync(_stop.Token)), .. _provider.GetServices<IController>().Select(c => c.RunAsync(_stop.Token))];
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_runs).ContinueWith(_ => { }, TaskScheduler.Default);
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        _ca.Dispose();
        await _lab.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose() => _stop.Dispose();

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task An_agent_with_a_node_bound_token_gets_server_and_client_certificates_naming_its_node()
    {
        using var client = await ClientAsync("supercloud-node-agent", "host-a");
        var options = AgentOptions("host-a");

        await new CertificateRequester(client, options, TimeProvider.System, NullLogger<CertificateRequester>.Instance).EnsureAsync(CancellationToken.None);

        using var trust = TrustBundle.FromPemFile(options.CaCertificatePath);
        using var server = X509Certificate2.CreateFromPemFile(options.CertificatePath, options.KeyPath);
        using var clientCertificate = X509Certificate2.CreateFromPemFile(options.ClientCertificatePath, options.ClientKeyPath);
        trust.Verify(server, CertificateUsage.Server, DateTimeOffset.UtcNow).Identity.Should().Be(PeerIdentity.Node("host-a"));
        trust.Verify(clientCertificate, CertificateUsage.Client, DateTimeOffset.UtcNow).Identity.Should().Be(PeerIdentity.Node("host-a"));
        (server.NotAfter - server.NotBefore).Should().BeCloseTo(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1), "the requested lifetime is honoured");
        File.GetUnixFileMode(options.KeyPath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var requester = new CertificateRequester(client, options, TimeProvider.System, NullLogger<CertificateRequester>.Instance);
        requester.NextRenewal().Should().BeAfter(DateTimeOffset.UtcNow.AddHours(1), "renewal comes after two thirds of the lifetime");
    }

    [Fact]
    public async Task A_request_by_another_account_is_denied_naming_why_and_nothing_is_issued()
    {
        using var client = await ClientAsync("mallory", "host-a");
        var options = AgentOptions("host-a");

        var act = () => new CertificateRequester(client, options, TimeProvider.System, NullLogger<CertificateRequester>.Instance).EnsureAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<CertificateRequestException>()).Which.Message
            .Should().Contain("was denied").And.Contain($"requested by system:serviceaccount:supercloud-system:mallory, not by the node agents' service account {AgentUser}");
        File.Exists(options.CertificatePath).Should().BeFalse();
    }

    [Theory]
    [InlineData(AgentUser, "host-a", "CN=host-a", "server auth", null)]
    [InlineData("system:serviceaccount:default:builder", "host-a", "CN=host-a", "server auth", "not by the node agents' service account")]
    [InlineData(AgentUser, null, "CN=host-a", "server auth", "is not bound to a node")]
    [InlineData(AgentUser, "host-a", "CN=host-b", "server auth", "asks for CN=host-b, but its requester is node host-a's agent")]
    [InlineData(AgentUser, "host-a", "CN=host-a", "client auth", "issues [digital signature, key encipherment, server auth] only")]
    [InlineData(AgentUser, "host-a", "CN=supercloud-operator", "server auth", "asks for CN=supercloud-operator")]
    public void The_signer_certifies_only_the_node_the_requesters_token_names(string user, string? node, string subject, string usage, string? denial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new V1CertificateSigningRequest
        {
            Metadata = new V1ObjectMeta { Name = "r" },
            Spec = new V1CertificateSigningRequestSpec
            {
                Username = user,
                Extra = node is null ? null : new Dictionary<string, IList<string>> { ["authentication.kubernetes.io/node-name"] = [node] },
                Request = Encoding.UTF8.GetBytes(new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSigningRequestPem()),
                SignerName = NodeCertificateSigner.ServerSigner,
                Usages = ["digital signature", usage],
            },
        };

        var (certified, message) = NodeCertificateSigner.Judge(csr, AgentUser);

        if (denial is null)
        {
            certified.Should().Be(node);
        }
        else
        {
            certified.Should().BeNull();
            message.Should().Contain(denial);
        }
    }

    [Fact]
    public void A_weak_rsa_key_is_refused()
    {
        using var key = RSA.Create(1024);
        var csr = new V1CertificateSigningRequest
        {
            Spec = new V1CertificateSigningRequestSpec
            {
                Username = AgentUser,
                Extra = new Dictionary<string, IList<string>> { ["authentication.kubernetes.io/node-name"] = ["host-a"] },
                Request = Encoding.UTF8.GetBytes(new CertificateRequest("CN=host-a", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem()),
                SignerName = NodeCertificateSigner.ClientSigner,
                Usages = ["digital signature", "client auth"],
            },
        };

        NodeCertificateSigner.Judge(csr, AgentUser).Message.Should().Contain("RSA of at least 2048 bits");
    }

    private NodeAgentOptions AgentOptions(string node)
    {
        var options = new NodeAgentOptions
        {
            NodeName = node,
            RequestCertificates = true,
            CertificateDirectory = Path.Combine(_directory, node),
            CaCertificatePath = Path.Combine(_directory, "ca.crt"),
            CertificateLifetime = TimeSpan.FromHours(2),
            CertificateRequestTimeout = TimeSpan.FromSeconds(20),
        };
        options.UseRequestedCertificates();
        return options;
    }

    private async Task<Kubernetes> ClientAsync(string account, string node)
    {
        var nodeObject = await _lab.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = node } });
        var token = await _lab.Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec { BoundObjectRef = new V1BoundObjectReference { Kind = "Node", ApiVersion = "v1", Name = nodeObject.Metadata.Name, Uid = nodeObject.Metadata.Uid } },
        }, account, "supercloud-system");
        return new Kubernetes(new KubernetesClientConfiguration { Host = _lab.Server.BaseAddress.GetLeftPart(UriPartial.Authority), AccessToken = token.Status.Token });
    }
}
