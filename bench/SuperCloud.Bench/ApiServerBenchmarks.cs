using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Models;
using SuperCloud.Lab.ApiServer;

namespace SuperCloud.Bench;

/// <summary>
/// The lab API server through the official KubernetesClient: request throughput, memory per stored object
/// and watch fan-out latency, each beside a baseline measured in the same run.
/// </summary>
internal sealed class ApiServerBenchmarks(string workDir)
{
    private const string Namespace = "default";

    public async Task<IReadOnlyList<Figure>> RunAsync(CancellationToken ct)
    {
        var figures = new List<Figure>();
        figures.Add(await RoundTripAsync(iterations: 2_000, ct));
        figures.Add(await MemoryAtAsync(objects: 10_000, ct));
        figures.AddRange(await FanOutAsync(watchers: 50, events: 200, ct));
        return figures;
    }

    /// <summary>create + get + watch delivery per iteration; baseline: create + get against a bare Kestrel echo endpoint.</summary>
    private async Task<Figure> RoundTripAsync(int iterations, CancellationToken ct)
    {
        await using var server = await LabApiServer.StartAsync(new LabApiServerOptions(), ct);
        using var client = Client(server);
        var delivered = new ConcurrentDictionary<string, TaskCompletionSource>();
        using var watchCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var ready = new TaskCompletionSource();
        var watch = Task.Run(async () =>
        {
            var events = client.CoreV1.WatchListNamespacedConfigMapAsync(Namespace, allowWatchBookmarks: false, cancellationToken: watchCts.Token);
            ready.TrySetResult();
            await foreach (var (type, cm) in events)
            {
                if (type == WatchEventType.Added) delivered.GetOrAdd(cm.Metadata.Name, _ => new()).TrySetResult();
            }
        }, ct);
        await ready.Task;
        await WarmUpAsync(client, "warm", delivered, ct);

        var sw = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            var name = $"rt-{i}";
            var wait = delivered.GetOrAdd(name, _ => new());
            await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(name), Namespace, cancellationToken: ct);
            await client.CoreV1.ReadNamespacedConfigMapAsync(name, Namespace, cancellationToken: ct);
            await wait.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        }
        var labRate = iterations / sw.Elapsed.TotalSeconds;
        var memory = GC.GetTotalMemory(false);
        await watchCts.CancelAsync();
        await Task.WhenAny(watch, Task.Delay(TimeSpan.FromSeconds(2), ct));

        var echoRate = await EchoRoundTripAsync(iterations, ct);
        return new Figure("create+get+watch delivery (ops/s)", labRate, echoRate, "ops/s",
            "create+get to a bare Kestrel echo, same client", HigherIsBetter: true, memory);
    }

    private static async Task WarmUpAsync(Kubernetes client, string prefix, ConcurrentDictionary<string, TaskCompletionSource> delivered, CancellationToken ct)
    {
        for (var i = 0; i < 50; i++)
        {
            var name = $"{prefix}-{i}";
            var wait = delivered.GetOrAdd(name, _ => new());
            await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(name), Namespace, cancellationToken: ct);
            await wait.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        }
    }

    private static async Task<double> EchoRoundTripAsync(int iterations, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var stored = new ConcurrentDictionary<string, byte[]>();
        app.MapPost("/api/v1/namespaces/{ns}/configmaps", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            var bytes = body.ToArray();
            using var doc = JsonDocument.Parse(bytes);
            stored[doc.RootElement.GetProperty("metadata").GetProperty("name").GetString()!] = bytes;
            http.Response.StatusCode = 201;
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
        });
        app.MapGet("/api/v1/namespaces/{ns}/configmaps/{name}", async (string name, HttpContext http) =>
        {
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(stored[name], http.RequestAborted);
        });
        await app.StartAsync(ct);
        try
        {
            var address = app.Urls.First();
            using var client = new Kubernetes(new KubernetesClientConfiguration { Host = address });
            for (var i = 0; i < 50; i++)
            {
                await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"warm-{i}"), Namespace, cancellationToken: ct);
            }
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                var name = $"echo-{i}";
                await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(name), Namespace, cancellationToken: ct);
                await client.CoreV1.ReadNamespacedConfigMapAsync(name, Namespace, cancellationToken: ct);
            }
            return iterations / sw.Elapsed.TotalSeconds;
        }
        finally
        {
            await app.StopAsync(ct);
            await app.DisposeAsync();
        }
    }

    /// <summary>Managed memory the server holds per stored object; baseline: the objects' JSON size.</summary>
    private async Task<Figure> MemoryAtAsync(int objects, CancellationToken ct)
    {
        var before = Settle();
        await using var server = await LabApiServer.StartAsync(new LabApiServerOptions(), ct);
        using var client = Client(server);
        var creates = Enumerable.Range(0, objects).Select(i => ConfigMap($"mem-{i}")).ToList();
        foreach (var chunk in creates.Chunk(16))
        {
            await Task.WhenAll(chunk.Select(cm => client.CoreV1.CreateNamespacedConfigMapAsync(cm, Namespace, cancellationToken: ct)));
        }
        var (payload, count) = await PayloadAsync(client, ct);
        var after = Settle();
        return new Figure($"server memory at {objects:N0} objects (bytes/object)", (after - before) / (double)objects,
            payload / (double)count, "B", "the object's JSON size", HigherIsBetter: false, after);
    }

    // In its own method so the client's copy of the list is garbage before the heap is measured.
    private static async Task<(long Bytes, int Count)> PayloadAsync(Kubernetes client, CancellationToken ct)
    {
        var list = await client.CoreV1.ListNamespacedConfigMapAsync(Namespace, cancellationToken: ct);
        return (list.Items.Sum(cm => (long)KubernetesJson.Serialize(cm).Length), list.Items.Count);
    }

    /// <summary>Create-to-delivery latency at the last of N watchers; baseline: the same with one watcher.</summary>
    private async Task<IReadOnlyList<Figure>> FanOutAsync(int watchers, int events, CancellationToken ct)
    {
        var single = await FanOutLatenciesAsync(1, events, ct);
        var many = await FanOutLatenciesAsync(watchers, events, ct);
        var memory = GC.GetTotalMemory(false);
        return
        [
            new Figure($"watch fan-out p50 latency, {watchers} watchers (ms)", Percentile(many, 0.50), Percentile(single, 0.50), "ms",
                "p50 with 1 watcher", HigherIsBetter: false, memory),
            new Figure($"watch fan-out p99 latency, {watchers} watchers (ms)", Percentile(many, 0.99), Percentile(single, 0.99), "ms",
                "p99 with 1 watcher", HigherIsBetter: false, memory),
        ];
    }

    private async Task<List<double>> FanOutLatenciesAsync(int watchers, int events, CancellationToken ct)
    {
        await using var server = await LabApiServer.StartAsync(new LabApiServerOptions(), ct);
        using var client = Client(server);
        var counts = new ConcurrentDictionary<string, int>();
        var done = new ConcurrentDictionary<string, TaskCompletionSource<long>>();
        using var watchCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var opened = new CountdownEvent(watchers);
        var tasks = Enumerable.Range(0, watchers).Select(_ => Task.Run(async () =>
        {
            // Each watcher has its own client, as separate controllers would.
            using var own = Client(server);
            var stream = own.CoreV1.WatchListNamespacedConfigMapAsync(Namespace, cancellationToken: watchCts.Token);
            await foreach (var (type, cm) in stream.WithCancellation(watchCts.Token))
            {
                if (type != WatchEventType.Added) continue;
                if (cm.Metadata.Name == "open") { opened.Signal(); continue; }
                if (counts.AddOrUpdate(cm.Metadata.Name, 1, (_, n) => n + 1) == watchers)
                {
                    done.GetOrAdd(cm.Metadata.Name, _ => new()).TrySetResult(Stopwatch.GetTimestamp());
                }
            }
        }, ct)).ToList();

        // A marker object proves every watch is established before timing starts.
        await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("open"), Namespace, cancellationToken: ct);
        if (!opened.Wait(TimeSpan.FromSeconds(30), ct)) throw new TimeoutException("watchers did not open within 30 s");

        var latencies = new List<double>(events);
        for (var i = 0; i < events; i++)
        {
            var name = $"fan-{i}";
            var completion = done.GetOrAdd(name, _ => new());
            var start = Stopwatch.GetTimestamp();
            await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(name), Namespace, cancellationToken: ct);
            var end = await completion.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
            latencies.Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
        }
        await watchCts.CancelAsync();
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(TimeSpan.FromSeconds(2), ct));
        return latencies;
    }

    private Kubernetes Client(LabApiServer server)
    {
        var path = Path.Combine(workDir, $"kubeconfig-{server.BaseAddress.Port}");
        if (!File.Exists(path)) server.WriteKubeconfig(path);
        return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
    }

    private static V1ConfigMap ConfigMap(string name) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string> { ["app"] = "bench", ["tier"] = "web", ["cloud"] = "aws-us-east-1" },
        },
        Data = new Dictionary<string, string> { ["settings"] = new string('x', 256) },
    };

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(true);
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
