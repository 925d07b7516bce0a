using Grpc.Core;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Agent.V1;
using SuperCloud.Operator.Agents;

namespace SuperCloud.Operator.Tests.Agents;

public sealed class AgentClientFactoryTests
{
    [Fact]
    public async Task Client_calls_the_agent_of_the_node_it_names_over_mutual_TLS()
    {
        await using var agent = await InProcessAgent.StartAsync();
        using var factory = new AgentClientFactory(agent.ClientOptions(), TimeProvider.System);

        var facts = await factory.Client("agent-1", agent.Endpoint).GetHostFactsAsync(new GetHostFactsRequest(), deadline: factory.Deadline());

        facts.NodeName.Should().Be("agent-1");
    }

    [Fact]
    public async Task An_agent_presenting_another_nodes_certificate_is_refused()
    {
        // The SuperNode agent-1's endpoint is answered by an agent whose certificates are agent-2's.
        await using var agent = await InProcessAgent.StartAsync(nodeName: "agent-1", certificateNode: "agent-2");
        using var factory = new AgentClientFactory(agent.ClientOptions(), TimeProvider.System);

        var call = async () => await factory.Client("agent-1", agent.Endpoint).GetHostFactsAsync(new GetHostFactsRequest(), deadline: factory.Deadline());

        var error = (await call.Should().ThrowAsync<RpcException>()).Which;
        error.Status.DebugException.Should().BeOfType<HttpRequestException>()
            .Which.InnerException.Should().BeOfType<System.Security.Authentication.AuthenticationException>();
        AgentClientFactory.IsUnreachable(error).Should().BeTrue("whatever answers there is not agent-1's agent");
    }

    [Fact]
    public async Task Client_rejects_an_agent_whose_certificate_is_not_issued_by_the_cluster_CA()
    {
        using var foreign = CertificateAuthority.Create("test-cluster-ca", TimeSpan.FromDays(1), TimeProvider.System);
        await using var agent = await InProcessAgent.StartAsync(serverCa: foreign);
        using var factory = new AgentClientFactory(agent.ClientOptions(), TimeProvider.System);

        var call = async () => await factory.Client("agent-1", agent.Endpoint).GetHostFactsAsync(new GetHostFactsRequest(), deadline: factory.Deadline());

        var error = (await call.Should().ThrowAsync<RpcException>()).Which;
        error.Status.DebugException.Should().BeOfType<HttpRequestException>()
            .Which.InnerException.Should().BeOfType<System.Security.Authentication.AuthenticationException>();
        AgentClientFactory.IsUnreachable(error).Should().BeTrue();
    }

    [Fact]
    public void The_operator_refuses_to_start_with_a_client_certificate_that_is_not_the_operators()
    {
        using var ca = CertificateAuthority.Create("test-cluster-ca", TimeSpan.FromDays(1), TimeProvider.System);
        using var nodeCertificate = ca.IssueClient(PeerIdentity.Node("supercloud-operator"), TimeSpan.FromDays(1));
        var options = new AgentClientOptions { Credentials = TlsCredentials.FromCertificates(nodeCertificate, ca.Certificate) };

        var act = () => new AgentClientFactory(options, TimeProvider.System);

        act.Should().Throw<ArgumentException>().WithMessage("*carries node/supercloud-operator, not the operator's*");
    }

    [Fact]
    public async Task Agent_refuses_a_client_certificate_that_is_not_the_operator_identity()
    {
        await using var agent = await InProcessAgent.StartAsync();
        using var nodeCertificate = agent.Ca.IssueClient(PeerIdentity.Node("agent-9"), TimeSpan.FromDays(1));
        var call = async () =>
        {
            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress($"https://{agent.Endpoint}", new Grpc.Net.Client.GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    SslOptions = new System.Net.Security.SslClientAuthenticationOptions
                    {
                        ClientCertificates = [nodeCertificate],
                        RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.Issuer == agent.Ca.Certificate.Subject,
                    },
                },
            });
            return await new NodeAgent.NodeAgentClient(channel).GetHostFactsAsync(new GetHostFactsRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
        };

        var error = (await call.Should().ThrowAsync<RpcException>()).Which;
        error.StatusCode.Should().Be(StatusCode.PermissionDenied);
        error.Status.Detail.Should().Contain("identity 'node/agent-9' may not call");
    }

    [Fact]
    public async Task Endpoint_that_is_not_host_and_port_is_rejected_naming_it()
    {
        await using var agent = await InProcessAgent.StartAsync();
        using var factory = new AgentClientFactory(agent.ClientOptions(), TimeProvider.System);

        var act = () => factory.Client("agent-1", "10.0.0.1:7443/extra");

        act.Should().Throw<ArgumentException>().WithMessage("agent endpoint '10.0.0.1:7443/extra' must be host:port*");
    }
}
