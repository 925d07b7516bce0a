using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Lab.ApiServer.Auth;
using SuperCloud.Lab.Tests.ApiServer;
using SuperCloud.Lab.Tests.Kubectl;

namespace SuperCloud.Lab.Tests.Auth;

/// <summary>Who a request is: client certificates, ServiceAccount tokens from the TokenRequest API, anonymous requests, and refusals.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private SecureCluster _lab = null!;

    public async Task InitializeAsync() => _lab = await SecureCluster.StartAsync();

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task Kubectl_with_a_client_certificate_is_its_common_name_in_its_organizations()
    {
        var kubeconfig = _lab.Kubeconfig("alice", client: _lab.Ca.IssueUser("alice", ["developers", "oncall"], TimeSpan.FromHours(1)));

        var whoami = await KubectlRunner.RunOnceAsync(_lab.Cluster, null, "--kubeconfig", kubeconfig, "auth", "whoami", "-o", "json");

        whoami.ExitCode.Should().Be(0, whoami.ToString());
        whoami.Stdout.Should().Contain("\"username\": \"alice\"").And.Contain("developers").And.Contain("oncall").And.Contain("system:authenticated");
    }

    [Fact]
    public async Task Service_account_token_is_the_account_in_its_namespace_groups()
    {
        var token = await _lab.TokenAsync("default", "builder");

        var review = await SecureCluster.Client(_lab.Kubeconfig("builder", token)).AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());

        review.Status.UserInfo.Username.Should().Be("system:serviceaccount:default:builder");
        review.Status.UserInfo.Groups.Should().BeEquivalentTo("system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated");
        review.Status.UserInfo.Uid.Should().Be((await _lab.Admin.CoreV1.ReadNamespacedServiceAccountAsync("builder", "default")).Metadata.Uid);
    }

    [Fact]
    public async Task Token_bound_to_a_node_carries_the_node_name_and_dies_with_the_node()
    {
        var node = await _lab.Admin.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "host-1" } });
        var token = await _lab.TokenAsync("default", "agent", new V1BoundObjectReference { Kind = "Node", ApiVersion = "v1", Name = "host-1", Uid = node.Metadata.Uid });
        var client = SecureCluster.Client(_lab.Kubeconfig("agent", token));

        var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        review.Status.UserInfo.Extra.Should().ContainKey(UserInfo.NodeNameExtra).WhoseValue.Should().Equal("host-1");

        await _lab.Admin.CoreV1.DeleteNodeAsync("host-1");
        var refused = await client.Invoking(c => c.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview(), cancellationToken: default))
            .Should().ThrowAsync<HttpOperationException>();
        refused.Which.Response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Token_of_a_service_account_that_was_deleted_and_recreated_is_refused()
    {
        var token = await _lab.TokenAsync("default", "short-lived");
        await _lab.Admin.CoreV1.DeleteNamespacedServiceAccountAsync("short-lived", "default");
        await _lab.Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "short-lived" } }, "default");

        var refused = await SecureCluster.Client(_lab.Kubeconfig("stale", token))
            .Invoking(c => c.CoreV1.ListNamespacedConfigMapAsync("default", cancellationToken: default)).Should().ThrowAsync<HttpOperationException>();

        refused.Which.Response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Unknown_token_and_certificate_of_another_ca_get_401_not_anonymous()
    {
        using var stranger = CertificateAuthority.Create("stranger", TimeSpan.FromHours(1), TimeProvider.System);

        foreach (var kubeconfig in new[] { _lab.Kubeconfig("forged", "not-a-token"), _lab.Kubeconfig("foreign", client: stranger.IssueUser("mallory", ["system:masters"], TimeSpan.FromHours(1))) })
        {
            var result = await KubectlRunner.RunOnceAsync(_lab.Cluster, null, "--kubeconfig", kubeconfig, "get", "configmaps");
            result.ExitCode.Should().NotBe(0);
            result.Stderr.Should().Contain("the server has asked for the client to provide credentials", result.ToString());
        }
    }

    [Fact]
    public async Task Request_without_credentials_on_tls_is_anonymous_may_read_health_and_nothing_else()
    {
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert!.Issuer == _lab.Ca.Certificate.Subject })
        {
            BaseAddress = _lab.Server.SecureBaseAddress,
        };

        (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
        var list = await http.GetAsync(new Uri("/api/v1/namespaces/default/configmaps", UriKind.Relative));

        list.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        JsonNode.Parse(await list.Content.ReadAsStringAsync())!["message"]!.GetValue<string>().Should().Be(
            "configmaps is forbidden: User \"system:anonymous\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\"");
    }

    [Fact]
    public async Task Token_request_refuses_a_short_lifetime_and_a_missing_bound_object_naming_them()
    {
        await _lab.Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "picky" } }, "default");

        var tooShort = await _lab.Admin.Invoking(c => c.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 60 } }, "picky", "default", cancellationToken: default))
            .Should().ThrowAsync<HttpOperationException>();
        tooShort.Which.Response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        tooShort.Which.Response.Content.Should().Contain("spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes");

        var noPod = await _lab.Admin.Invoking(c => c.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { BoundObjectRef = new V1BoundObjectReference { Kind = "Pod", ApiVersion = "v1", Name = "ghost" } } },
            "picky", "default", cancellationToken: default)).Should().ThrowAsync<HttpOperationException>();
        noPod.Which.Response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        JsonNode.Parse(noPod.Which.Response.Content)!["message"]!.GetValue<string>().Should().Be("pods \"ghost\" not found");
    }

    [Fact]
    public async Task Every_namespace_gets_the_api_servers_ca_in_kube_root_ca_crt()
    {
        await _lab.Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "fresh" } });

        await TestCluster.EventuallyAsync(
            async () => (await _lab.Admin.CoreV1.ListNamespacedConfigMapAsync("fresh")).Items.Any(c => c.Metadata.Name == "kube-root-ca.crt"),
            "kube-root-ca.crt is published in the new namespace");

        var published = await _lab.Admin.CoreV1.ReadNamespacedConfigMapAsync("kube-root-ca.crt", "fresh");
        published.Data["ca.crt"].Should().Contain(_lab.Ca.Certificate.ExportCertificatePem());
    }

    [Fact]
    public void Token_is_valid_until_it_expires_and_only_with_this_servers_key()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var tokens = new ServiceAccountTokens(ECDsa.Create(ECCurve.NamedCurves.nistP256), time);
        var other = new ServiceAccountTokens(ECDsa.Create(ECCurve.NamedCurves.nistP256), time);
        var token = tokens.Issue(new ServiceAccountTokens.Claims("ns", "sa", "uid-1", null, null, "host-1", "node-uid", [ServiceAccountTokens.Issuer], time.GetUtcNow().AddMinutes(10), "jti-1"));

        tokens.Verify(token)!.NodeName.Should().Be("host-1");
        other.Verify(token).Should().BeNull("another server's key did not sign it");
        tokens.Verify(token[..^2] + (token[^2] == 'A' ? "BB" : "AA")).Should().BeNull("the signature no longer matches");
        time.Advance(TimeSpan.FromMinutes(10));
        tokens.Verify(token).Should().BeNull("it expired");
    }
}
