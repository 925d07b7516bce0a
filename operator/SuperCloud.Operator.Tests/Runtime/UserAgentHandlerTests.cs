using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Runtime;

public sealed class UserAgentHandlerTests
{
    [Fact]
    public async Task Every_request_carries_the_replica_identity_as_its_only_user_agent()
    {
        var seen = new List<string>();
        using var handler = new UserAgentHandler("operator-0") { InnerHandler = new Recorder(seen) };
        using var client = new HttpClient(handler);
        client.DefaultRequestHeaders.UserAgent.ParseAdd("KubernetesClient/21.0");

        using var _ = await client.GetAsync(new Uri("http://127.0.0.1:1/api"));

        seen.Should().Equal("supercloud-operator/operator-0");
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("a/b")]
    public void Identity_that_cannot_be_a_user_agent_version_is_rejected(string identity)
    {
        var act = () => new UserAgentHandler(identity);

        act.Should().Throw<ArgumentException>().WithParameterName(nameof(identity));
    }

    private sealed class Recorder(List<string> seen) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(request.Headers.UserAgent.ToString());
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }
}
