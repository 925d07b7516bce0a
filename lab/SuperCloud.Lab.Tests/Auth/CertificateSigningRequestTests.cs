using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using SuperCloud.Lab.Tests.Kubectl;

namespace SuperCloud.Lab.Tests.Auth;

/// <summary>CertificateSigningRequests as kube-apiserver keeps them: the requester recorded by the server, approval and signing gated by the signer.</summary>
public sealed class CertificateSigningRequestTests : IAsyncLifetime
{
    private const string Signer = "supercloud.dev/node-agent-client";
    private SecureCluster _lab = null!;

    public async Task InitializeAsync() => _lab = await SecureCluster.StartAsync();

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task The_server_records_who_asked_whatever_the_request_claims()
    {
        var node = await _lab.Admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "host-1" } });
        var token = await _lab.TokenAsync("default", "agent", new V1BoundObjectReference { Kind = "Node", ApiVersion = "v1", Name = "host-1", Uid = node.Metadata.Uid });
        await GrantAsync("system:serviceaccount:default:agent", new V1PolicyRule { ApiGroups = ["certificates.k8s.io"], Resources = ["certificatesigningrequests"], Verbs = ["create", "get"] });
        var agent = SecureCluster.Client(_lab.Kubeconfig("agent", token));
        var csr = Request("forged");
        csr.Spec.Username = "system:admin";
        csr.Spec.Groups = ["system:masters"];

        var created = await agent.CertificatesV1.CreateCertificateSigningRequestAsync(csr);

        created.Spec.Username.Should().Be("system:serviceaccount:default:agent");
        created.Spec.Groups.Should().NotContain("system:masters");
        created.Spec.Extra.Should().ContainKey("authentication.kubernetes.io/node-name").WhoseValue.Should().Equal("host-1");
    }

    [Fact]
    public async Task A_request_that_is_not_a_pkcs10_or_has_no_usages_is_refused_naming_the_field()
    {
        var csr = Request("bad");
        csr.Spec.Request = Encoding.UTF8.GetBytes("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
        csr.Spec.Usages = [];

        var refused = await _lab.Admin.Invoking(c => c.CertificatesV1.CreateCertificateSigningRequestAsync(csr, cancellationToken: default)).Should().ThrowAsync<HttpOperationException>();

        refused.Which.Response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        var message = JsonNode.Parse(refused.Which.Response.Content)!["message"]!.GetValue<string>();
        message.Should().Contain("spec.request: Invalid value").And.Contain("spec.usages: Required value");
    }

    [Fact]
    public async Task Approving_needs_the_approve_verb_on_the_signer_and_a_certificate_needs_approval_first()
    {
        await _lab.Admin.CertificatesV1.CreateCertificateSigningRequestAsync(Request("node-a-client"));
        await GrantAsync("alice", new V1PolicyRule { ApiGroups = ["certificates.k8s.io"], Resources = ["certificatesigningrequests", "certificatesigningrequests/approval", "certificatesigningrequests/status"], Verbs = ["get", "list", "update", "patch"] });
        var alice = _lab.Kubeconfig("alice", client: _lab.Ca.IssueUser("alice", [], TimeSpan.FromHours(1)));

        var denied = await KubectlRunner.RunOnceAsync(_lab.Cluster, null, "--kubeconfig", alice, "certificate", "approve", "node-a-client");
        denied.ExitCode.Should().NotBe(0);
        denied.Stderr.Should().Contain($"user not permitted to approve requests with signerName \"{Signer}\"");

        var unapproved = await _lab.Admin.CertificatesV1.ReadCertificateSigningRequestAsync("node-a-client");
        unapproved.Status = new V1CertificateSigningRequestStatus { Certificate = Encoding.UTF8.GetBytes(_lab.Ca.Certificate.ExportCertificatePem()) };
        var early = await _lab.Admin.Invoking(c => c.CertificatesV1.ReplaceCertificateSigningRequestStatusAsync(unapproved, "node-a-client", cancellationToken: default))
            .Should().ThrowAsync<HttpOperationException>();
        early.Which.Response.Content.Should().Contain("certificate cannot be set on an unapproved request");

        var approved = await KubectlRunner.RunOnceAsync(_lab.Cluster, null, "certificate", "approve", "node-a-client");
        approved.ExitCode.Should().Be(0, approved.ToString());
        var csr = await _lab.Admin.CertificatesV1.ReadCertificateSigningRequestAsync("node-a-client");
        csr.Status.Conditions.Should().ContainSingle(c => c.Type == "Approved" && c.Status == "True");
        csr.Spec.Request.Should().NotBeEmpty("an approval changes only the conditions");
        var listed = await KubectlRunner.RunOnceAsync(_lab.Cluster, null, "get", "csr", "node-a-client");
        listed.Stdout.Should().MatchRegex($@"node-a-client\s+\S+\s+{Signer}\s+supercloud-lab\s+<none>\s+Approved\n");
    }

    private static V1CertificateSigningRequest Request(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=node-a", key, HashAlgorithmName.SHA256);
        return new V1CertificateSigningRequest
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = Encoding.UTF8.GetBytes(request.CreateSigningRequestPem()),
                SignerName = Signer,
                Usages = ["digital signature", "client auth"],
            },
        };
    }

    private async Task GrantAsync(string user, V1PolicyRule rule)
    {
        var name = "grant-" + user.Replace(':', '-');
        await _lab.Admin.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole { Metadata = new V1ObjectMeta { Name = name }, Rules = [rule] });
        await _lab.Admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = name },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = user, ApiGroup = "rbac.authorization.k8s.io" }],
        });
    }
}
