using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SuperCloud.Lab.ApiServer;
using static SuperCloud.Lab.Tests.ApiServer.TestCluster;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>Persistence across restarts, fault injection, aggregated discovery and the health endpoints.</summary>
public sealed class ServerFeatureTests
{
    [Fact]
    public async Task Objects_and_the_resourceVersion_survive_a_restart_with_a_data_dir()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "lab-data-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            long versionBefore;
            await using (var cluster = await StartAsync(new LabApiServerOptions { DataDir = dataDir }))
            {
                await cluster.CreateWidgetAsync(Widget("kept", 3));
                versionBefore = cluster.Server.ResourceVersion;
            }

            await using var restarted = await StartAsync(new LabApiServerOptions { DataDir = dataDir }, withWidgets: false);
            var widget = await restarted.GetWidgetAsync("kept");
            Json(widget, "spec", "size").Should().Be("3");
            var next = await restarted.CreateWidgetAsync(Widget("after", 1));
            long.Parse(Json(next, "metadata", "resourceVersion"), System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(versionBefore);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task FailNext_fails_only_the_matching_requests_the_given_number_of_times()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateWidgetAsync(Widget("w", 1));
        cluster.Server.Faults.FailNext(2, 503, pathContains: "/widgets/w", verb: "get");

        await cluster.GetWidgetAsync("w").ShouldFailAsync(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable");
        (await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(WidgetGroup, WidgetVersion, "default", WidgetPlural)).Should().NotBeNull();
        await cluster.GetWidgetAsync("w").ShouldFailAsync(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable");
        Json(await cluster.GetWidgetAsync("w"), "metadata", "name").Should().Be("w");
    }

    [Fact]
    public async Task Injected_latency_delays_requests_until_reset()
    {
        await using var cluster = await StartAsync(withWidgets: false);
        cluster.Server.Faults.Latency = TimeSpan.FromMilliseconds(300);

        var started = DateTime.UtcNow;
        await cluster.Client.CoreV1.ListNamespaceAsync();
        (DateTime.UtcNow - started).Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(290));

        cluster.Server.Faults.Reset();
        cluster.Server.Faults.Latency.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public async Task Aggregated_discovery_lists_groups_with_resources_and_the_v2_content_type()
    {
        await using var cluster = await StartAsync();
        using var http = new HttpClient { BaseAddress = cluster.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/apis");
        request.Headers.TryAddWithoutValidation("Accept", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");

        using var response = await http.SendAsync(request);

        response.Content.Headers.ContentType!.ToString().Replace(" ", "", StringComparison.Ordinal)
            .Should().Be("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Json(body, "kind").Should().Be("APIGroupDiscoveryList");
        var group = body["items"]!.AsArray().Single(i => Json(i!.AsObject(), "metadata", "name") == WidgetGroup)!.AsObject();
        var widgets = group["versions"]![0]!["resources"]!.AsArray().Single()!.AsObject();
        Json(widgets, "resource").Should().Be("widgets");
        Json(widgets, "scope").Should().Be("Namespaced");
        Json(widgets, "responseKind", "kind").Should().Be("Widget");
        Json(widgets, "subresources").Should().Contain("status");
        (await http.GetStringAsync(new Uri("/healthz", UriKind.Relative))).Should().Be("ok");
        JsonNode.Parse(await http.GetStringAsync(new Uri("/version", UriKind.Relative)))!["minor"]!.GetValue<string>().Should().Be("35");
    }

    [Fact]
    public async Task Initial_namespaces_exist_and_creating_in_a_terminating_namespace_is_forbidden()
    {
        await using var cluster = await StartAsync(withWidgets: false);
        (await cluster.Client.CoreV1.ListNamespaceAsync()).Items.Select(n => n.Metadata.Name)
            .Should().BeEquivalentTo("default", "kube-system", "kube-public", "kube-node-lease");
        await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "held" } });
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "pinned", Finalizers = ["lab.supercloud.dev/hold"] },
        }, "held");

        await cluster.Client.CoreV1.DeleteNamespaceAsync("held");

        (await cluster.Client.CoreV1.ReadNamespaceAsync("held")).Status.Phase.Should().Be("Terminating");
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "late" } }, "held")
            .ShouldFailAsync(HttpStatusCode.Forbidden, "Forbidden", "configmaps \"late\" is forbidden: unable to create new content in namespace held because it is being terminated");
    }

    [Fact]
    public async Task Parallel_read_modify_write_loops_with_conflict_retries_lose_no_update()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateWidgetAsync(Widget("counter", 1, metadata: new JsonObject { ["annotations"] = new JsonObject { ["count"] = "0" } }));

        async Task IncrementAsync()
        {
            while (true)
            {
                var current = await cluster.GetWidgetAsync("counter");
                var count = int.Parse(Json(current, "metadata", "annotations", "count"), System.Globalization.CultureInfo.InvariantCulture);
                current["metadata"]!["annotations"]!["count"] = (count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                try
                {
                    await cluster.ReplaceWidgetAsync(current);
                    return;
                }
                catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
                {
                    // Someone else won the race: read again and retry, as every controller does.
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await IncrementAsync();
            }
        })));

        Json(await cluster.GetWidgetAsync("counter"), "metadata", "annotations", "count").Should().Be("80");
    }

    [Fact]
    public async Task Warn_field_validation_prunes_unknown_fields_and_returns_a_Warning_header()
    {
        await using var cluster = await StartAsync();
        using var http = new HttpClient { BaseAddress = cluster.Server.BaseAddress };
        var widget = Widget("warned", 1);
        widget["spec"]!["shape"] = "round";

        using var response = await http.PostAsync(
            new Uri("/apis/lab.supercloud.dev/v1/namespaces/default/widgets?fieldValidation=Warn", UriKind.Relative),
            new StringContent(widget.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        response.Headers.GetValues("Warning").Should().Equal("299 - \"unknown field \\\"spec.shape\\\"\"");
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["spec"]!.AsObject().ContainsKey("shape").Should().BeFalse();
    }

    [Fact]
    public async Task Deletecollection_deletes_only_the_objects_matching_the_selector()
    {
        await using var cluster = await StartAsync();
        await cluster.CreateWidgetAsync(Widget("a", 1, metadata: new JsonObject { ["labels"] = new JsonObject { ["batch"] = "x" } }));
        await cluster.CreateWidgetAsync(Widget("b", 1, metadata: new JsonObject { ["labels"] = new JsonObject { ["batch"] = "x" } }));
        await cluster.CreateWidgetAsync(Widget("c", 1));

        await cluster.Client.CustomObjects.DeleteCollectionNamespacedCustomObjectAsync(WidgetGroup, WidgetVersion, "default", WidgetPlural, labelSelector: "batch=x");

        var left = ToNode(await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(WidgetGroup, WidgetVersion, "default", WidgetPlural));
        left["items"]!.AsArray().Select(i => Json(i!.AsObject(), "metadata", "name")).Should().Equal("c");
    }
}
