using System.Net;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.OpenApi;
using SuperCloud.Lab.Tests.ApiServer;
using SuperCloud.Lab.Tests.Kubectl;

namespace SuperCloud.Lab.Tests.OpenApi;

/// <summary>Serving OpenAPI: cached documents until the served resources change, v2 as JSON or protobuf.</summary>
public sealed class OpenApiServingTests
{
    private static async Task<HttpResponseMessage> GetAsync(TestCluster cluster, string path, string? accept = null)
    {
        using var http = new HttpClient { BaseAddress = cluster.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept).Should().BeTrue();
        }

        return await http.SendAsync(request);
    }

    [Fact]
    public async Task Openapi_v2_asked_as_protobuf_is_gnostics_document_in_kube_openapis_media_type()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        using var protobuf = await GetAsync(cluster, "/openapi/v2", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
        protobuf.StatusCode.Should().Be(HttpStatusCode.OK);
        protobuf.Content.Headers.ContentType!.MediaType.Should().Be("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
        var body = await protobuf.Content.ReadAsByteArrayAsync();
        // Document.swagger (field 1) = "2.0", then the definitions with their group-version-kind extensions.
        body.Take(5).Should().Equal(0x0A, 0x03, (byte)'2', (byte)'.', (byte)'0');
        var text = System.Text.Encoding.Latin1.GetString(body);
        text.Should().Contain("io.k8s.api.core.v1.ConfigMap").And.Contain("x-kubernetes-group-version-kind");

        using var json = await GetAsync(cluster, "/openapi/v2", "application/json");
        json.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonNode.Parse(await json.Content.ReadAsStringAsync())!["swagger"]!.GetValue<string>().Should().Be("2.0");
        using var any = await GetAsync(cluster, "/openapi/v2");
        any.StatusCode.Should().Be(HttpStatusCode.OK);
        using var xml = await GetAsync(cluster, "/openapi/v2", "application/xml");
        xml.StatusCode.Should().Be(HttpStatusCode.NotAcceptable);
    }

    [Fact]
    public async Task Kubectl_apply_of_an_unknown_kind_reports_no_matches_for_kind_after_validating_against_v2()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        var result = await KubectlRunner.RunOnceAsync(cluster, "apiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: g\n", "apply", "-f", "-");
        result.ExitCode.Should().NotBe(0);
        result.Stderr.Should().Contain("no matches for kind \"Gizmo\" in version \"example.com/v1\"").And.NotContain("content type");
    }

    [Fact]
    public async Task Kubectl_apply_still_validates_known_kinds()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        var result = await KubectlRunner.RunOnceAsync(cluster, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\ndata:\n  a: b\n", "apply", "-f", "-");
        result.ExitCode.Should().Be(0, result.Stderr);
    }

    [Fact]
    public async Task Kubectl_explain_works_for_a_custom_resource()
    {
        await using var cluster = await TestCluster.StartAsync();
        var result = await KubectlRunner.RunOnceAsync(cluster, null, "explain", "widgets.spec");
        result.ExitCode.Should().Be(0, result.Stderr);
        result.Stdout.Should().Contain("KIND:").And.Contain("Widget");
    }

    [Fact]
    public void Documents_are_built_once_per_resource_set_and_rebuilt_when_it_changes()
    {
        var cache = new OpenApiCache();
        var builtIn = BuiltInResources.All;
        var index = cache.Index(builtIn);
        cache.Index(builtIn).Should().BeSameAs(index);
        var apps = cache.GroupVersion(builtIn, "apps", "v1")!.Value;
        cache.GroupVersion(builtIn, "apps", "v1")!.Value.Body.Should().BeSameAs(apps.Body);
        cache.GroupVersion(builtIn, "nope.dev", "v1").Should().BeNull();

        var widget = new ApiResource("lab.supercloud.dev", "v1", "Widget", "WidgetList", "widgets", "widget", true, [], [],
            BuiltInResources.AllVerbs, true, JsonNode.Parse("""{"type":"object"}""")!.AsObject(), []);
        IReadOnlyList<ApiResource> withWidget = [.. builtIn, widget];
        var changed = cache.Index(withWidget);
        changed.Should().NotBeSameAs(index);
        System.Text.Encoding.UTF8.GetString(changed).Should().Contain("apis/lab.supercloud.dev/v1");
        System.Text.Encoding.UTF8.GetString(index).Should().NotContain("lab.supercloud.dev");
    }

    [Fact]
    public async Task Index_hashes_match_the_served_documents_and_follow_crd_changes()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        async Task<JsonObject> IndexAsync()
        {
            using var response = await GetAsync(cluster, "/openapi/v3");
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["paths"]!.AsObject();
        }

        var before = await IndexAsync();
        before.ContainsKey("apis/lab.supercloud.dev/v1").Should().BeFalse();
        var url = before["apis/apps/v1"]!["serverRelativeURL"]!.GetValue<string>();
        using (var document = await GetAsync(cluster, url))
        {
            document.Headers.ETag!.Tag.Should().Be($"\"{url[(url.IndexOf("hash=", StringComparison.Ordinal) + 5)..]}\"");
        }

        await cluster.CreateWidgetCrdAsync();
        var after = await IndexAsync();
        after.ContainsKey("apis/lab.supercloud.dev/v1").Should().BeTrue();
        after["apis/apps/v1"]!["serverRelativeURL"]!.GetValue<string>().Should().Be(url, "documents of unchanged groups keep their hash");
    }
}
