using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using SuperCloud.Lab.Tests.Patching;
using SuperCloud.Lab.Tests.Kubectl;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>
/// <c>Status.details</c> as kube-apiserver fills it: name, group and kind (the resource for NotFound, AlreadyExists and
/// Conflict, the Kind for Invalid), never guessed from the message; patch and apply errors carry causes only.
/// </summary>
public sealed class StatusDetailsTests
{
    private static async Task<(HttpStatusCode Code, JsonObject Status)> SendAsync(TestCluster cluster, HttpMethod method, string path, string? body = null, string contentType = "application/json")
    {
        using var http = new HttpClient { BaseAddress = cluster.Server.BaseAddress };
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    private static async Task CreateConfigMapAsync(TestCluster cluster, string name)
    {
        var (code, status) = await SendAsync(cluster, HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            $$$"""{"metadata":{"name":"{{{name}}}"},"data":{"key":"one"}}""");
        code.Should().Be(HttpStatusCode.Created, status.ToJsonString());
    }

    [Fact]
    public async Task Apply_conflict_details_carry_causes_but_no_name_or_kind()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        const string Applied = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"web"},"data":{"key":"one"}}""";
        var (first, _) = await SendAsync(cluster, HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/web?fieldManager=one", Applied, "application/apply-patch+yaml");
        first.Should().Be(HttpStatusCode.Created);

        var (code, status) = await SendAsync(cluster, HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/web?fieldManager=two",
            Applied.Replace("\"one\"", "\"two\"", StringComparison.Ordinal), "application/apply-patch+yaml");

        code.Should().Be(HttpStatusCode.Conflict);
        var details = status["details"]!.AsObject();
        details.ContainsKey("name").Should().BeFalse(details.ToJsonString());
        details.ContainsKey("kind").Should().BeFalse();
        details.ContainsKey("group").Should().BeFalse();
        details["causes"]![0]!["field"]!.GetValue<string>().Should().Be(".data.key");
    }

    [Fact]
    public async Task Json_patch_that_cannot_apply_has_no_object_in_details_so_kubectl_says_the_request_is_invalid()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        await CreateConfigMapAsync(cluster, "web");

        var (code, status) = await SendAsync(cluster, HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/web",
            """[{"op":"test","path":"/data/key","value":"other"}]""", "application/json-patch+json");
        code.Should().Be((HttpStatusCode)422);
        status["message"]!.GetValue<string>().Should().Be("the server rejected our request due to an error in our request");
        (status["details"] as JsonObject)?.ContainsKey("name").Should().NotBe(true);

        var kubectl = await KubectlRunner.RunOnceAsync(cluster, null, "patch", "configmap", "web", "-n", "default", "--type=json",
            "-p", """[{"op":"test","path":"/data/key","value":"other"}]""");
        kubectl.ExitCode.Should().NotBe(0);
        kubectl.Stderr.Should().Contain("The request is invalid: the server rejected our request due to an error in our request")
            .And.NotContain("\"web\" is invalid");
    }

    [Fact]
    public async Task Not_found_and_already_exists_name_the_object_the_group_and_the_resource()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        var (missing, notFound) = await SendAsync(cluster, HttpMethod.Get, "/apis/apps/v1/namespaces/default/deployments/web");
        missing.Should().Be(HttpStatusCode.NotFound);
        notFound["details"].Compact().Should().Be("""{"name":"web","group":"apps","kind":"deployments"}""");

        await CreateConfigMapAsync(cluster, "quoted");
        var (exists, already) = await SendAsync(cluster, HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
            """{"metadata":{"name":"quoted"},"data":{"note":"a \"quoted\" value"}}""");
        exists.Should().Be(HttpStatusCode.Conflict);
        already["details"].Compact().Should().Be("""{"name":"quoted","kind":"configmaps"}""", "core group is omitted as kube's omitempty does");

        var (noNamespace, nsStatus) = await SendAsync(cluster, HttpMethod.Post, "/api/v1/namespaces/nowhere/configmaps", """{"metadata":{"name":"x"}}""");
        noNamespace.Should().Be(HttpStatusCode.NotFound);
        nsStatus["details"].Compact().Should().Be("""{"name":"nowhere","kind":"namespaces"}""");
    }

    [Fact]
    public async Task Conflict_on_stale_resourceVersion_names_the_object_even_when_the_message_quotes_a_manager()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        await CreateConfigMapAsync(cluster, "web");

        var (code, status) = await SendAsync(cluster, HttpMethod.Put, "/api/v1/namespaces/default/configmaps/web",
            """{"metadata":{"name":"web","resourceVersion":"1"},"data":{"key":"two"}}""");

        code.Should().Be(HttpStatusCode.Conflict);
        status["details"].Compact().Should().Be("""{"name":"web","kind":"configmaps"}""");
    }

    [Fact]
    public async Task Invalid_names_the_kind_and_group_with_causes()
    {
        await using var cluster = await TestCluster.StartAsync();
        var (code, status) = await SendAsync(cluster, HttpMethod.Post, $"/apis/{TestCluster.WidgetGroup}/v1/namespaces/default/widgets",
            TestCluster.Widget("bad", 42).ToJsonString());

        code.Should().Be((HttpStatusCode)422, status.ToJsonString());
        var details = status["details"]!.AsObject();
        details["name"]!.GetValue<string>().Should().Be("bad");
        details["group"]!.GetValue<string>().Should().Be(TestCluster.WidgetGroup);
        details["kind"]!.GetValue<string>().Should().Be("Widget");
        details["causes"]!.AsArray().Should().NotBeEmpty();
    }
}
