extern alias nodeagent;

using Grpc.Core;
using nodeagent::SuperCloud.NodeAgent.Security;
using SuperCloud.Agent.V1;
using SuperCloud.Operator.Agents;

namespace SuperCloud.Operator.Tests.Agents;

public sealed class AgentClientFactoryTests
{
    [Fact]
    public async Task Client_calls_the_agent_over_mutual_TLS_although_the_shared_certificate_does_not_name_the_host()
    {
        await using var agent = await InProcessAgent.StartAsync();
        using var factory = new AgentClientFactory(agent.ClientOptions(), TimeProvider.System);

        var facts = await factory.Client(agent.Endpoint).GetHostFactsAsync(new GetHostFactsRequest(), deadline: factory.Deadline());

        facts.NodeName.Should().Be("agent-1");
    }

    [Fact]
    public async Task Client_rejects_an_agent_whose_certificate_is_not_issued_by_the_cluster_CA()
    {
        using var foreign = ClusterCertificateAuthority.Create("test-cluster-ca", TimeSpan.FromDays(1), TimeProvider.System);
        await using var agent = await InProcessAgent.StartAsync(serverCa: foreign);
        using var factory = new AgentClientFactory(agent.ClientOptions(), TimeProvider.System);

        var call = async () => await factory.Client(agent.Endpoint).GetHostFactsAsync(new GetHostFactsRequest(), deadline: factory.Deadline());

        var error = (await call.Should().ThrowAsync<RpcException>()).Which;
        error.Status.DebugException.Should().BeOfType<HttpRequestException>()
            .Which.InnerException.Should().BeOfType<System.Security.Authentication.AuthenticationException>();
        AgentClientFactory.IsUnreachable(error).Should().BeTrue();
    }

    [Fact]
    public async Task Agent_refuses_a_client_certificate_that_is_not_the_operator_identity()
    {
        await using var agent = await InProcessAgent.StartAsync();
        using var factory = new AgentClientFactory(agent.ClientOptions(identity: "someone-else"), TimeProvider.System);

        var call = async () => await factory.Client(agent.Endpoint).GetHostFactsAsync(new GetHostFactsRequest(), deadline: factory.Deadline());

        (await call.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.PermissionDenied);
    }

    [Fact]
    public async Task Endpoint_that_is_not_host_and_port_is_rejected_naming_it()
    {
        await using var agent = await InProcessAgent.StartAsync();
        using var factory = new AgentClientFactory(agent.ClientOptions(), TimeProvider.System);

        var act = () => factory.Client("10.0.0.1:7443/extra");

        act.Should().Throw<ArgumentException>().WithMessage("agent endpoint '10.0.0.1:7443/extra' must be host:port*");
    }
}
