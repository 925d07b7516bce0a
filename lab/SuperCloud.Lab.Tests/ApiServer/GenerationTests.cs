using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary><c>metadata.generation</c> only on the kinds whose kube registry strategy maintains it.</summary>
public sealed class GenerationTests
{
    private static async Task<JsonObject> SendAsync(TestCluster cluster, HttpMethod method, string path, string body, string contentType = "application/json")
    {
        using var http = new HttpClient { BaseAddress = cluster.Server.BaseAddress };
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().BeInRange(200, 201, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    public static TheoryData<string, string, string> KindsWithoutGeneration => new()
    {
        { "/api/v1/namespaces/default/configmaps", "ConfigMap", "\"data\":{\"k\":\"v1\"}" },
        { "/api/v1/namespaces/default/secrets", "Secret", "\"stringData\":{\"k\":\"v1\"}" },
        { "/api/v1/namespaces/default/serviceaccounts", "ServiceAccount", "\"automountServiceAccountToken\":true" },
        { "/api/v1/namespaces/default/services", "Service", "\"spec\":{\"ports\":[{\"port\":80}]}" },
        { "/api/v1/namespaces/default/events", "Event", "\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"p\",\"namespace\":\"default\"},\"reason\":\"Started\",\"message\":\"v1\"" },
        { "/apis/coordination.k8s.io/v1/namespaces/default/leases", "Lease", "\"spec\":{\"holderIdentity\":\"v1\"}" },
        { "/apis/apps/v1/namespaces/default/controllerrevisions", "ControllerRevision", "\"revision\":1" },
        { "/api/v1/namespaces", "Namespace", "\"spec\":{}" },
    };

    [Theory]
    [MemberData(nameof(KindsWithoutGeneration))]
    public async Task Kinds_without_a_generation_strategy_never_get_one_on_create_update_patch_or_apply(string collection, string kind, string fields)
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        var name = "gen-" + kind.ToLowerInvariant();
        // A client echoing a generation it saw elsewhere must not make one appear.
        var created = await SendAsync(cluster, HttpMethod.Post, collection, "{\"metadata\":{\"name\":\"" + name + "\",\"generation\":5}," + fields + "}");
        created["metadata"]!.AsObject().ContainsKey("generation").Should().BeFalse(created.ToJsonString());

        var item = $"{collection}/{name}";
        var updated = await SendAsync(cluster, HttpMethod.Put, item,
            "{\"metadata\":{\"name\":\"" + name + "\",\"generation\":7,\"labels\":{\"changed\":\"yes\"}}," + fields.Replace("1", "2", StringComparison.Ordinal) + "}");
        updated["metadata"]!.AsObject().ContainsKey("generation").Should().BeFalse(updated.ToJsonString());

        var patched = await SendAsync(cluster, HttpMethod.Patch, item, """{"metadata":{"labels":{"patched":"yes"}}}""", "application/merge-patch+json");
        patched["metadata"]!.AsObject().ContainsKey("generation").Should().BeFalse(patched.ToJsonString());

        var apiVersion = created["apiVersion"]!.GetValue<string>();
        var applied = await SendAsync(cluster, HttpMethod.Patch, item + "?fieldManager=helm",
            "{\"apiVersion\":\"" + apiVersion + "\",\"kind\":\"" + kind + "\",\"metadata\":{\"name\":\"" + name + "\",\"labels\":{\"applied\":\"yes\"}}}", "application/apply-patch+yaml");
        applied["metadata"]!.AsObject().ContainsKey("generation").Should().BeFalse(applied.ToJsonString());
    }

    public static TheoryData<string, string> KindsWithGeneration => new()
    {
        { "/api/v1/namespaces/default/pods", "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}" },
        { "/apis/networking.k8s.io/v1/ingressclasses", "{\"metadata\":{\"name\":\"ic\"},\"spec\":{\"controller\":\"example.com/ingress\"}}" },
        { "/apis/apps/v1/namespaces/default/deployments", "{\"metadata\":{\"name\":\"d\"},\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"b\"}},\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}}}" },
    };

    [Theory]
    [MemberData(nameof(KindsWithGeneration))]
    public async Task Kinds_with_a_generation_strategy_start_at_1(string collection, string body)
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        var created = await SendAsync(cluster, HttpMethod.Post, collection, body);
        created["metadata"]!["generation"]!.GetValue<long>().Should().Be(1, created.ToJsonString());
    }
}
