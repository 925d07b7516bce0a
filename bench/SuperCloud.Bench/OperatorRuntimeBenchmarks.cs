using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using SuperCloud.Lab.ApiServer;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Bench;

/// <summary>
/// The operator runtime: reconcile throughput, informer memory per object and work-queue throughput, each beside
/// a baseline measured in the same run (a plain channel and a plain deserialised list).
/// </summary>
internal static class OperatorRuntimeBenchmarks
{
    private const string Namespace = "bench";
    private const int Objects = 10_000;
    private const int Workers = 2;

    /// <summary>Runs the benchmarks and prints their table under a heading.</summary>
    public static async Task PrintAsync(TextWriter output, CancellationToken ct)
    {
        var figures = await RunAsync(ct);
        output.WriteLine("operator runtime (informer, work queue and controller against the lab API server)");
        Report.Print(figures, output);
    }

    private static async Task<IReadOnlyList<Figure>> RunAsync(CancellationToken ct)
    {
        var figures = new List<Figure>();
        await using var server = await LabApiServer.StartAsync(new LabApiServerOptions(), ct);
        using var client = new Kubernetes(new KubernetesClientConfiguration
        {
            Host = server.BaseAddress.GetLeftPart(UriPartial.Authority),
            AccessToken = LabApiServer.ContextName,
        });
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }, cancellationToken: ct);
        await Parallel.ForEachAsync(Enumerable.Range(0, Objects), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (i, token) => await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"cm-{i:D5}"), Namespace, cancellationToken: token));

        figures.Add(await ReconcileRateAsync(client, ct));
        figures.Add(await InformerMemoryAsync(client, ct));
        figures.Add(await QueueThroughputAsync(items: 1_000_000, ct));
        return figures;
    }

    /// <summary>
    /// Reconciles/s of a no-op reconciler once the informer has queued all 10,000 keys; baseline: the same keys drained
    /// from a plain unbounded <see cref="Channel{T}"/> by the same number of workers calling the same reconciler.
    /// </summary>
    private static async Task<Figure> ReconcileRateAsync(Kubernetes client, CancellationToken ct)
    {
        var reconciler = new CountingReconciler();
        var informer = NewInformer(client);
        using var controller = new Controller<V1ConfigMap>(
            "bench", informer, reconciler, new ControllerOptions { Workers = Workers }, new OperatorMetrics(Metrics.NewCustomRegistry()),
            TimeProvider.System, NullLogger<Controller<V1ConfigMap>>.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var informerRun = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(ct);

        // Every key is queued by the initial list before the workers start: the clock measures the reconcile loop alone.
        var sw = Stopwatch.StartNew();
        var controllerRun = controller.RunAsync(stop.Token);
        await reconciler.WaitForAsync(Objects, ct);
        var rate = Objects / sw.Elapsed.TotalSeconds;
        var memory = GC.GetTotalMemory(false);
        await stop.CancelAsync();
        await Task.WhenAll(informerRun, controllerRun);

        var keys = informer.Cache.Keys();
        var baselineReconciler = new CountingReconciler();
        var channel = Channel.CreateUnbounded<ObjectKey>();
        foreach (var key in keys)
        {
            channel.Writer.TryWrite(key);
        }

        channel.Writer.Complete();
        sw.Restart();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            await foreach (var key in channel.Reader.ReadAllAsync(ct))
            {
                await baselineReconciler.ReconcileAsync(key, ct);
            }
        }, ct)));
        var baseline = keys.Count / sw.Elapsed.TotalSeconds;
        return new Figure($"no-op reconciles over {Objects:N0} objects (/s)", rate, baseline, "/s",
            $"Channel<ObjectKey> drained by {Workers} workers, same reconciler", HigherIsBetter: true, memory);
    }

    /// <summary>
    /// Managed bytes the informer holds per cached object; baseline: the same objects deserialised by KubernetesClient
    /// into a plain list. Both are heap growth while the holder stays alive; a first informer run warms the in-process
    /// lab server so that its own one-time allocations are not charged to the informer.
    /// </summary>
    private static async Task<Figure> InformerMemoryAsync(Kubernetes client, CancellationToken ct)
    {
        using var response = await client.HttpClient.GetAsync(
            new Uri(client.BaseUri, $"api/v1/namespaces/{Namespace}/configmaps"), ct);
        var json = await response.Content.ReadAsStringAsync(ct);
        var before = await SettledAsync(ct);
        var list = KubernetesJson.Deserialize<V1ConfigMapList>(json);
        var baseline = (double)(await SettledAsync(ct) - before) / list.Items.Count;
        GC.KeepAlive(list);

        (await HeldInformerAsync(client, ct)).Value = null;
        before = await SettledAsync(ct);
        var informer = await HeldInformerAsync(client, ct);
        var held = await SettledAsync(ct);
        var perObject = (double)(held - before) / informer.Value!.Cache.Count;
        GC.KeepAlive(informer.Value);
        return new Figure("informer memory per object (bytes)", perObject, baseline, "B",
            "the same objects deserialised by KubernetesClient into a V1ConfigMapList", HigherIsBetter: false, held);
    }

    private static async Task<StrongBox<Informer<V1ConfigMap>?>> HeldInformerAsync(Kubernetes client, CancellationToken ct)
    {
        var informer = NewInformer(client);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(ct);
        await stop.CancelAsync();
        await run;
        return new(informer);
    }

    /// <summary>WorkQueue add + get + done per item on one thread; baseline: write + read of an unbounded <see cref="Channel{T}"/>.</summary>
    private static async Task<Figure> QueueThroughputAsync(int items, CancellationToken ct)
    {
        using var queue = new WorkQueue<int>("bench", new RateLimiter<int>(TimeProvider.System), TimeProvider.System);
        for (var i = 0; i < 10_000; i++)
        {
            queue.Add(i);
            var (item, _) = await queue.GetAsync(ct);
            queue.Done(item);
        }

        var sw = Stopwatch.StartNew();
        for (var i = 0; i < items; i++)
        {
            queue.Add(i);
        }

        for (var i = 0; i < items; i++)
        {
            var (item, _) = await queue.GetAsync(ct);
            queue.Done(item);
        }

        var rate = items / sw.Elapsed.TotalSeconds;
        var memory = GC.GetTotalMemory(false);

        var channel = Channel.CreateUnbounded<int>();
        sw.Restart();
        for (var i = 0; i < items; i++)
        {
            channel.Writer.TryWrite(i);
        }

        for (var i = 0; i < items; i++)
        {
            await channel.Reader.ReadAsync(ct);
        }

        var baseline = items / sw.Elapsed.TotalSeconds;
        return new Figure($"work queue add+get+done of {items:N0} items (/s)", rate, baseline, "/s",
            "Channel<int> (unbounded) write+read, no dedup", HigherIsBetter: true, memory);
    }

    private static Informer<V1ConfigMap> NewInformer(Kubernetes client) => new(
        new ResourceClient<V1ConfigMap>(client), new InformerOptions { Namespace = Namespace }, TimeProvider.System,
        NullLogger<Informer<V1ConfigMap>>.Instance);

    private static V1ConfigMap ConfigMap(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Labels = new Dictionary<string, string> { ["app"] = "bench" } },
        Data = new Dictionary<string, string> { ["key"] = "value" },
    };

    /// <summary>
    /// The heap once it stops shrinking: a cancelled watch lets go of its informer only when its connection winds down
    /// a moment later, so one collection right after cancelling still counts the objects as live.
    /// </summary>
    private static async Task<long> SettledAsync(CancellationToken ct)
    {
        var last = Settle();
        for (var i = 0; i < 40; i++)
        {
            await Task.Delay(50, ct);
            var now = Settle();
            if (Math.Abs(now - last) < 64 * 1024)
            {
                return now;
            }

            last = now;
        }

        return last;
    }

    private static long Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(true);
    }

    /// <summary>A reconciler that does nothing but count, and lets the caller wait for a count.</summary>
    private sealed class CountingReconciler : IReconciler
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _target = int.MaxValue;
        private int _count;

        public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _count) >= Volatile.Read(ref _target))
            {
                _reached.TrySetResult();
            }

            return Task.FromResult(ReconcileResult.Done);
        }

        public Task WaitForAsync(int count, CancellationToken cancellationToken)
        {
            Volatile.Write(ref _target, count);
            if (Volatile.Read(ref _count) >= count)
            {
                _reached.TrySetResult();
            }

            return _reached.Task.WaitAsync(cancellationToken);
        }
    }
}
