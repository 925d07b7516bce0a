using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Lab;

/// <summary>The informer and controller against the lab API server under load and injected faults: no event may be lost.</summary>
public sealed class InformerConsistencyTests : IAsyncLifetime, IDisposable
{
    private const string Deleted = "<deleted>";
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _runs = [];
    private LabServer _lab = null!;

    public async Task InitializeAsync() => _lab = await LabServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_runs).WaitAsync(TimeSpan.FromSeconds(5));
        await _lab.DisposeAsync();
    }

    public void Dispose() => _stop.Dispose();

    [Fact]
    public async Task Thousand_objects_created_while_the_informer_runs_end_up_exactly_in_the_cache()
    {
        var informer = NewInformer();
        _runs.Add(informer.RunAsync(_stop.Token));

        // No wait for the first sync: creates race the initial list and the start of the watch.
        await Parallel.ForEachAsync(Enumerable.Range(0, 1_000), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, ct) => await _lab.CreateConfigMapAsync($"cm-{i:D4}"));

        var server = await ServerStateAsync();
        server.Should().HaveCount(1_000);
        await Eventually.UntilAsync(() => SameState(CacheState(informer), server), "the cache holds exactly the server's objects", TimeSpan.FromSeconds(10));
        CacheState(informer).Should().BeEquivalentTo(server);
    }

    [Fact]
    public async Task Dropped_watches_and_compacted_history_during_a_burst_lose_no_event()
    {
        var informer = NewInformer();
        var reconciler = new RecordingReconciler(informer.Cache);

        // An object created and deleted within one watch gap is invisible to any informer (the relist never sees it);
        // every object the informer did see must be reconciled after its deletion.
        var observed = new ConcurrentDictionary<string, bool>();
        informer.AddHandler(new ResourceEventHandler<V1ConfigMap>(OnAdd: o => observed[o.Metadata.Name] = true));
        var metrics = new OperatorMetrics(Metrics.NewCustomRegistry());
        using var controller = new Controller<V1ConfigMap>(
            "chaos", informer, reconciler, new ControllerOptions { Workers = 2 }, metrics, TimeProvider.System, NullLogger<Controller<V1ConfigMap>>.Instance);
        _runs.Add(informer.RunAsync(_stop.Token));
        _runs.Add(controller.RunAsync(_stop.Token));
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        var random = new Random(42);
        var live = new List<string>();
        var deleted = new HashSet<string>();
        var next = 0;
        async Task CreateAsync()
        {
            var name = $"cm-{next++:D4}";
            await _lab.CreateConfigMapAsync(name);
            live.Add(name);
            deleted.Remove(name);
        }

        async Task ChurnAsync(int operations)
        {
            for (var i = 0; i < operations; i++)
            {
                var roll = random.Next(10);
                if (roll < 3 || live.Count < 10)
                {
                    await CreateAsync();
                }
                else if (roll < 8)
                {
                    await _lab.UpdateConfigMapAsync(live[random.Next(live.Count)], random.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    var victim = live[random.Next(live.Count)];
                    await _lab.Client.CoreV1.DeleteNamespacedConfigMapAsync(victim, _lab.Namespace);
                    live.Remove(victim);
                    deleted.Add(victim);
                }
            }
        }

        // Chaos: every watch is dropped every 200 ms, and history is compacted every 350 ms.
        using (var dropper = new Timer(_ => _lab.Faults.CloseAllWatches(), null, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200)))
        using (var compactor = new Timer(_ => _lab.Faults.CompactHistory(), null, TimeSpan.FromMilliseconds(350), TimeSpan.FromMilliseconds(350)))
        {
            await ChurnAsync(200);

            // A gap that must end in 410 Gone: watches fail while the world moves on, then history is compacted.
            _lab.Faults.FailNext(10_000, 503, "/configmaps", "watch");
            _lab.Faults.CloseAllWatches();
            await ChurnAsync(100);
            _lab.Faults.CompactHistory();
            _lab.Faults.Reset();

            await ChurnAsync(200);
        }

        var server = await ServerStateAsync();
        server.Keys.Should().BeEquivalentTo(live);
        // Poll with a deadline, then assert: on a timeout the assertions below name the keys that diverged.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline
            && !(SameState(CacheState(informer), server) && server.All(s => reconciler.Seen.GetValueOrDefault(Key(s.Key)) == s.Value)
                && deleted.Where(observed.ContainsKey).All(d => reconciler.Seen.GetValueOrDefault(Key(d)) == Deleted)))
        {
            await Task.Delay(20);
        }

        CacheState(informer).Should().BeEquivalentTo(server);
        informer.ListCount.Should().BeGreaterThanOrEqualTo(2, "the compacted gap forced a relist");
        foreach (var (name, version) in server)
        {
            reconciler.Seen.GetValueOrDefault(Key(name)).Should().Be(version, $"{name} was last reconciled at its final resourceVersion");
        }

        deleted.Where(observed.ContainsKey).Should().NotBeEmpty("deletes outside the gap were observed");
        foreach (var name in deleted.Where(observed.ContainsKey))
        {
            reconciler.Seen.GetValueOrDefault(Key(name)).Should().Be(Deleted, $"{name} was reconciled after its deletion");
        }
    }

    private ObjectKey Key(string name) => new(_lab.Namespace, name);

    private static bool SameState(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.GetValueOrDefault(kv.Key) == kv.Value);

    private static Dictionary<string, string> CacheState(Informer<V1ConfigMap> informer) =>
        informer.Cache.List().ToDictionary(c => c.Metadata.Name, c => c.Metadata.ResourceVersion);

    private async Task<Dictionary<string, string>> ServerStateAsync()
    {
        var client = new ResourceClient<V1ConfigMap>(_lab.Client);
        var state = new Dictionary<string, string>();
        string? continueToken = null;
        do
        {
            var page = await client.ListAsync(_lab.Namespace, null, null, 500, continueToken, null, CancellationToken.None);
            foreach (var item in page.Items)
            {
                state[item.Metadata.Name] = item.Metadata.ResourceVersion;
            }

            continueToken = page.Continue;
        }
        while (continueToken is not null);
        return state;
    }

    private Informer<V1ConfigMap> NewInformer() => new(
        new ResourceClient<V1ConfigMap>(_lab.Client),
        new InformerOptions { Namespace = _lab.Namespace, InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(200) },
        TimeProvider.System,
        NullLogger<Informer<V1ConfigMap>>.Instance);

    /// <summary>Records, per key, the resourceVersion the reconciler last saw in the cache (or that the object was gone).</summary>
    private sealed class RecordingReconciler(Cache<V1ConfigMap> cache) : IReconciler
    {
        public ConcurrentDictionary<ObjectKey, string> Seen { get; } = new();

        public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
        {
            Seen[key] = cache.Get(key)?.Metadata.ResourceVersion ?? Deleted;
            return Task.FromResult(ReconcileResult.Done);
        }
    }
}
