using System.Net;
using System.Text.Json.Nodes;
using k8s.Autorest;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>Asserts that a client call fails with a kube <c>Status</c> of a given code, reason and message.</summary>
internal static class StatusAssertions
{
    public static async Task<JsonObject> ShouldFailAsync(this Task call, HttpStatusCode code, string reason, string? message = null)
    {
        var error = await call.Invoking(async c => await c).Should().ThrowAsync<HttpOperationException>();
        var response = error.Which.Response;
        response.StatusCode.Should().Be(code, response.Content);
        var status = JsonNode.Parse(response.Content)!.AsObject();
        status["kind"]!.GetValue<string>().Should().Be("Status");
        status["status"]!.GetValue<string>().Should().Be("Failure");
        status["code"]!.GetValue<int>().Should().Be((int)code);
        status["reason"]!.GetValue<string>().Should().Be(reason);
        if (message is not null)
        {
            status["message"]!.GetValue<string>().Should().Be(message);
        }

        return status;
    }
}
