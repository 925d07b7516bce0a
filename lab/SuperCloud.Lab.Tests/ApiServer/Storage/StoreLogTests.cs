using System.Globalization;
using System.Net;
using k8s;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SuperCloud.Lab.ApiServer;
using static SuperCloud.Lab.Tests.ApiServer.TestCluster;

namespace SuperCloud.Lab.Tests.ApiServer.Storage;

/// <summary>The store log on disk: migration of the earlier snapshot, torn tails, checkpoints, damaged files.</summary>
public sealed class StoreLogTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("lab-store-").FullName;

    private string LogPath => Path.Combine(_dataDir, "apiserver-store.log");

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    private static long Rv(JsonObject obj) => long.Parse(Json(obj, "metadata", "resourceVersion"), CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_snapshot_of_the_earlier_format_is_migrated_and_its_resourceVersions_are_never_reissued()
    {
        var legacy = new JsonObject
        {
            ["resourceVersion"] = "500",
            ["objects"] = new JsonArray(new JsonObject
            {
                ["group"] = "",
                ["resource"] = "configmaps",
                ["object"] = new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "ConfigMap",
                    ["metadata"] = new JsonObject { ["name"] = "old", ["namespace"] = "default", ["uid"] = "u-1", ["resourceVersion"] = "499" },
                    ["data"] = new JsonObject { ["k"] = "v" },
                },
            }),
        };
        await File.WriteAllTextAsync(Path.Combine(_dataDir, "apiserver-snapshot.json"), legacy.ToJsonString());

        await using (var cluster = await StartAsync(new LabApiServerOptions { DataDir = _dataDir }, withWidgets: false))
        {
            var old = await cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("old", "default");
            old.Data["k"].Should().Be("v");
            var next = await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new k8s.Models.V1ConfigMap { Metadata = new() { Name = "new" } }, "default");
            long.Parse(next.Metadata.ResourceVersion, CultureInfo.InvariantCulture).Should().BeGreaterThan(500 + 999_999, "the old server may have issued versions after its last snapshot");
        }

        File.Exists(Path.Combine(_dataDir, "apiserver-snapshot.json")).Should().BeFalse();
        File.Exists(Path.Combine(_dataDir, "apiserver-snapshot.json.migrated")).Should().BeTrue();
        File.Exists(LogPath).Should().BeTrue();
        await using var again = await StartAsync(new LabApiServerOptions { DataDir = _dataDir }, withWidgets: false);
        (await again.Client.CoreV1.ReadNamespacedConfigMapAsync("new", "default")).Should().NotBeNull();
    }

    [Fact]
    public async Task A_torn_tail_is_cut_at_load_and_every_whole_record_before_it_is_kept()
    {
        long lastRv;
        await using (var cluster = await StartAsync(new LabApiServerOptions { DataDir = _dataDir }))
        {
            await cluster.CreateWidgetAsync(Widget("one", 1));
            lastRv = Rv(await cluster.CreateWidgetAsync(Widget("two", 2)));
        }

        var whole = new FileInfo(LogPath).Length;
        // What a crash in the middle of appending leaves: a frame header that promises more than was written.
        await using (var file = new FileStream(LogPath, FileMode.Append))
        {
            file.Write([200, 0, 0, 0, 1, 2, 3, 4, (byte)'E', (byte)'A', 9, 9]);
        }

        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        await using (var restarted = await StartAsync(new LabApiServerOptions { DataDir = _dataDir, LoggerFactory = loggerFactory }, withWidgets: false))
        {
            Rv(await restarted.GetWidgetAsync("two")).Should().Be(lastRv);
            (await restarted.WidgetExistsAsync("one")).Should().BeTrue();
            logs.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("torn tail", StringComparison.Ordinal));
            new FileInfo(LogPath).Length.Should().Be(whole, "the torn bytes are cut before anything is appended");
            Rv(await restarted.CreateWidgetAsync(Widget("three", 3))).Should().Be(lastRv + 1, "the resourceVersion sequence continues without a gap");
        }
    }

    [Fact]
    public async Task Checkpoints_bound_the_file_and_keep_objects_and_watch_history_across_a_restart()
    {
        long midRv;
        var options = new LabApiServerOptions { DataDir = _dataDir, StoreCompactionBytes = 8 * 1024, WatchHistory = 20 };
        await using (var cluster = await StartAsync(options))
        {
            for (var i = 0; i < 150; i++)
            {
                var widget = Widget("w" + (i % 10).ToString(CultureInfo.InvariantCulture), 1);
                if (i < 10)
                {
                    await cluster.CreateWidgetAsync(widget);
                }
                else
                {
                    var current = await cluster.GetWidgetAsync(Json(widget, "metadata", "name"));
                    current["metadata"]!["annotations"] = new JsonObject { ["step"] = i.ToString(CultureInfo.InvariantCulture) };
                    await cluster.ReplaceWidgetAsync(current);
                }
            }

            midRv = cluster.Server.ResourceVersion - 5;
            cluster.Server.StoreCheckpoints.Should().BeGreaterThanOrEqualTo(2, "150 updates of 10 objects outgrow a checkpoint of them several times");
        }

        await using var restarted = await StartAsync(options with { }, withWidgets: false);
        for (var n = 0; n < 10; n++)
        {
            Json(await restarted.GetWidgetAsync("w" + n.ToString(CultureInfo.InvariantCulture)), "metadata", "annotations", "step").Should().Be((140 + n).ToString(CultureInfo.InvariantCulture));
        }

        using var http = new HttpClient { BaseAddress = restarted.Server.BaseAddress };
        using var response = await http.GetAsync(
            $"/apis/{WidgetGroup}/{WidgetVersion}/namespaces/default/{WidgetPlural}?watch=true&resourceVersion={midRv.ToString(CultureInfo.InvariantCulture)}",
            HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var versions = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var line = JsonNode.Parse((await reader.ReadLineAsync())!)!;
            line["type"]!.GetValue<string>().Should().Be("MODIFIED");
            versions.Add(long.Parse(line["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        }

        versions.Should().Equal(Enumerable.Range(1, 5).Select(i => midRv + i), "the history before the restart is replayed from the log");
    }

    [Fact]
    public async Task A_data_dir_whose_store_is_not_a_store_log_fails_with_a_message_that_names_the_file()
    {
        await File.WriteAllTextAsync(LogPath, "{\"not\":\"a log\"}");
        var start = () => LabApiServer.StartAsync(new LabApiServerOptions { DataDir = _dataDir }, CancellationToken.None);
        (await start.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain(LogPath).And.Contain("not a SuperCloud lab API server store");
    }

    [Fact]
    public async Task A_watch_from_a_resourceVersion_the_server_has_not_reached_answers_504_too_large_resource_version()
    {
        await using var cluster = await StartAsync(new LabApiServerOptions { DataDir = _dataDir }, withWidgets: false);
        using var http = new HttpClient { BaseAddress = cluster.Server.BaseAddress };
        var future = cluster.Server.ResourceVersion + 1000;
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={future.ToString(CultureInfo.InvariantCulture)}");
        response.StatusCode.Should().Be(HttpStatusCode.GatewayTimeout);
        started.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(2.5), "the server waits for the version first, as kube's watch cache does");
        response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        status["reason"]!.GetValue<string>().Should().Be("Timeout");
        status["message"]!.GetValue<string>().Should().StartWith($"Timeout: Too large resource version: {future.ToString(CultureInfo.InvariantCulture)}, current: ");
        status["details"]!["causes"]![0]!["reason"]!.GetValue<string>().Should().Be("ResourceVersionTooLarge");
        status["details"]!["retryAfterSeconds"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public async Task A_watch_from_a_resourceVersion_reached_within_the_wait_starts_there()
    {
        await using var cluster = await StartAsync(new LabApiServerOptions { DataDir = _dataDir }, withWidgets: false);
        using var http = new HttpClient { BaseAddress = cluster.Server.BaseAddress };
        var next = cluster.Server.ResourceVersion + 1;
        var watch = http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={next.ToString(CultureInfo.InvariantCulture)}", HttpCompletionOption.ResponseHeadersRead);
        await Task.Delay(300);
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new k8s.Models.V1ConfigMap { Metadata = new() { Name = "a" } }, "default");
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new k8s.Models.V1ConfigMap { Metadata = new() { Name = "b" } }, "default");
        using var response = await watch;
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        first["object"]!["metadata"]!["name"]!.GetValue<string>().Should().Be("b", "events up to the requested version are not delivered");
    }
}
