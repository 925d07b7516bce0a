using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static SuperCloud.Lab.Tests.ApiServer.TestCluster;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>kube-apiserver's bounds on what a request may carry: each refused with kube's code and a Status, nothing stored.</summary>
public sealed class InputBoundsTests : IAsyncLifetime, IDisposable
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private TestCluster _cluster = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _cluster = await StartAsync(withWidgets: false);
        _http = new HttpClient { BaseAddress = _cluster.Server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _http.Dispose();

    /// <summary>The classic "billion laughs": nine levels of nine aliases, 9^9 strings from a few hundred bytes.</summary>
    public static string AliasBomb()
    {
        var yaml = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            yaml.Append(level).Append(": &").Append(level).Append(" [")
                .AppendJoin(",", Enumerable.Repeat("*" + previous, 9)).Append("]\n");
        }

        return yaml.Append("data: {k: v}\nextra: *i\n").ToString();
    }

    private static StringContent Body(string text, string type = "application/json") => new(text, Encoding.UTF8, type);

    private static string ConfigMap(string name, JsonObject? data = null, JsonObject? annotations = null) => new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = annotations },
        ["data"] = data ?? new JsonObject { ["k"] = "v" },
    }.ToJsonString();

    private async Task<(HttpStatusCode Code, JsonNode Status)> SendAsync(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(text, documentOptions: new System.Text.Json.JsonDocumentOptions { MaxDepth = 1000 })!);
    }

    private Task<(HttpStatusCode Code, JsonNode Status)> PostAsync(string path, HttpContent content) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content });

    private async Task NothingStoredAsync(string name)
    {
        using var response = await _http.GetAsync($"{ConfigMaps}/{name}");
        response.StatusCode.Should().Be(HttpStatusCode.NotFound, $"the refused {name} is not stored");
    }

    [Fact]
    public async Task A_yaml_alias_bomb_is_refused_quickly_with_400_excessive_aliasing()
    {
        var started = Stopwatch.StartNew();
        var (code, status) = await PostAsync(ConfigMaps, Body(AliasBomb(), "application/yaml"));
        code.Should().Be(HttpStatusCode.BadRequest);
        status["message"]!.GetValue<string>().Should().Contain("excessive aliasing");
        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
        await NothingStoredAsync("bomb");
    }

    [Fact]
    public async Task A_yaml_alias_bomb_as_a_server_side_apply_body_is_refused_with_400()
    {
        var request = new HttpRequestMessage(HttpMethod.Patch, $"{ConfigMaps}/bomb?fieldManager=test") { Content = Body(AliasBomb(), "application/apply-patch+yaml") };
        var (code, status) = await SendAsync(request);
        code.Should().Be(HttpStatusCode.BadRequest);
        status["message"]!.GetValue<string>().Should().Contain("excessive aliasing");
        await NothingStoredAsync("bomb");
    }

    [Fact]
    public async Task Yaml_that_nests_deeper_than_json_may_is_refused_with_400_without_exhausting_the_stack()
    {
        var (code, status) = await PostAsync(ConfigMaps, Body("a: " + new string('[', 200_000), "application/yaml"));
        code.Should().Be(HttpStatusCode.BadRequest);
        status["message"]!.GetValue<string>().Should().Contain("max depth");
    }

    [Fact]
    public async Task A_body_over_3_MiB_is_refused_with_413_and_a_status()
    {
        var data = new JsonObject { ["big"] = new string('x', 4 * 1024 * 1024) };
        var (code, status) = await PostAsync(ConfigMaps, Body(ConfigMap("huge", data)));
        code.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        status["kind"]!.GetValue<string>().Should().Be("Status");
        status["reason"]!.GetValue<string>().Should().Be("RequestEntityTooLarge");
        status["message"]!.GetValue<string>().Should().Be("Request entity too large: limit is 3145728");
        await NothingStoredAsync("huge");
    }

    [Fact]
    public async Task An_object_over_etcds_1_5_MiB_is_refused_with_413_and_nothing_is_stored()
    {
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "fat" },
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "c",
                    ["image"] = "busybox",
                    ["env"] = new JsonArray(new JsonObject { ["name"] = "BIG", ["value"] = new string('x', 2 * 1024 * 1024) }),
                }),
            },
        };
        var (code, status) = await PostAsync("/api/v1/namespaces/default/pods", Body(pod.ToJsonString()));
        code.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        status["reason"]!.GetValue<string>().Should().Be("RequestEntityTooLarge");
        using var get = await _http.GetAsync("/api/v1/namespaces/default/pods/fat");
        get.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Annotations_over_256_KiB_in_total_are_refused_with_422_naming_the_field()
    {
        var annotations = new JsonObject { ["a"] = new string('x', 200 * 1024), ["b"] = new string('y', 100 * 1024) };
        var (code, status) = await PostAsync(ConfigMaps, Body(ConfigMap("annotated", annotations: annotations)));
        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status["message"]!.GetValue<string>().Should().Contain("metadata.annotations: Too long: may not be more than 262144 bytes");
        status["details"]!["causes"]![0]!["field"]!.GetValue<string>().Should().Be("metadata.annotations");
        await NothingStoredAsync("annotated");
    }

    [Fact]
    public async Task ConfigMap_data_over_1_MiB_is_refused_with_422_naming_data()
    {
        var data = new JsonObject { ["a"] = new string('x', 600 * 1024), ["b"] = new string('y', 600 * 1024) };
        var (code, status) = await PostAsync(ConfigMaps, Body(ConfigMap("bulky", data)));
        code.Should().Be(HttpStatusCode.UnprocessableEntity);
        status["message"]!.GetValue<string>().Should().Contain("data: Too long: may not be more than 1048576 bytes");
        await NothingStoredAsync("bulky");
    }

    [Fact]
    public async Task Sixty_levels_of_json_nesting_are_stored_and_served_and_three_hundred_are_400()
    {
        static string Nested(int levels) => new StringBuilder().Insert(0, "{\"n\":", levels).Append('1').Append('}', levels).ToString();
        var pod = $"{{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{{\"name\":\"deep\"}},\"spec\":{{\"containers\":[{{\"name\":\"c\",\"image\":\"i\"}}],\"x\":{Nested(60)}}}}}";
        var (code, _) = await PostAsync("/api/v1/namespaces/default/pods", Body(pod));
        code.Should().Be(HttpStatusCode.Created);
        using (var get = await _http.GetAsync("/api/v1/namespaces/default/pods/deep"))
        {
            get.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var (tooDeep, status) = await PostAsync(ConfigMaps, Body($"{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"deeper\"}},\"x\":{Nested(300)}}}"));
        tooDeep.Should().Be(HttpStatusCode.BadRequest);
        status["message"]!.GetValue<string>().Should().Contain("depth");
        await NothingStoredAsync("deeper");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/cbor")]
    public async Task A_body_of_a_type_the_server_does_not_decode_is_415(string type)
    {
        var (code, status) = await PostAsync(ConfigMaps, Body(ConfigMap("typed"), type));
        code.Should().Be(HttpStatusCode.UnsupportedMediaType);
        status["reason"]!.GetValue<string>().Should().Be("UnsupportedMediaType");
        await NothingStoredAsync("typed");
    }

    [Fact]
    public async Task A_watch_from_a_future_resourceVersion_answers_504_with_retry_after_when_it_is_not_reached()
    {
        var future = _cluster.Server.ResourceVersion + 50;
        using var response = await _http.GetAsync($"{ConfigMaps}?watch=true&resourceVersion={future}");
        response.StatusCode.Should().Be(HttpStatusCode.GatewayTimeout);
        (await response.Content.ReadAsStringAsync()).Should().Contain("Too large resource version");
    }
}
