using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Lab;

public sealed class InformerTests : IAsyncLifetime, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _events = new();
    private LabServer _lab = null!;
    private Task _run = Task.CompletedTask;

    public async Task InitializeAsync() => _lab = await LabServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(TimeSpan.FromSeconds(5));
        await _lab.DisposeAsync();
    }

    public void Dispose() => _stop.Dispose();

    [Fact]
    public async Task List_then_watch_fills_the_cache_and_reports_adds_updates_and_deletes()
    {
        await _lab.CreateConfigMapAsync("existing");
        var informer = Start();
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        informer.HasSynced.Should().BeTrue();

        await _lab.CreateConfigMapAsync("added");
        await _lab.UpdateConfigMapAsync("existing", "2");
        await _lab.Client.CoreV1.DeleteNamespacedConfigMapAsync("added", _lab.Namespace);

        await Eventually.UntilAsync(() => _events.Contains("delete added"), "the delete arrived");
        _events.Should().ContainInOrder("add existing", "add added", "update existing", "delete added");
        informer.Cache.Get(new ObjectKey(_lab.Namespace, "existing"))!.Data["value"].Should().Be("2");
        informer.Cache.Get(new ObjectKey(_lab.Namespace, "added")).Should().BeNull();
        informer.ListCount.Should().Be(1);
    }

    [Fact]
    public async Task Closed_watch_resumes_from_the_last_version_without_relisting_or_losing_events()
    {
        var informer = Start();
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        _lab.Faults.CloseAllWatches();
        await _lab.CreateConfigMapAsync("after-close");

        await Eventually.UntilAsync(() => _events.Contains("add after-close"), "the event after the closed watch arrived");
        informer.ListCount.Should().Be(1, "a resumed watch needs no relist");
        _events.Should().ContainSingle(e => e == "add after-close");
    }

    [Fact]
    public async Task Gone_after_a_watch_gap_relists_and_synthesises_the_missed_adds_updates_and_deletes()
    {
        await _lab.CreateConfigMapAsync("kept");
        await _lab.CreateConfigMapAsync("changed");
        await _lab.CreateConfigMapAsync("removed");
        var informer = Start();
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        // Open a gap: every watch fails, the stream in progress ends, the world moves on, and history is compacted.
        _lab.Faults.FailNext(10_000, 503, "/configmaps", "watch");
        _lab.Faults.CloseAllWatches();
        await _lab.CreateConfigMapAsync("created");
        await _lab.UpdateConfigMapAsync("changed", "2");
        await _lab.Client.CoreV1.DeleteNamespacedConfigMapAsync("removed", _lab.Namespace);
        _lab.Faults.CompactHistory();
        _lab.Faults.Reset();

        await Eventually.UntilAsync(
            () => _events.Contains("add created") && _events.Contains("update changed") && _events.Contains("delete removed"),
            "the missed events were synthesised");
        informer.ListCount.Should().Be(2, "410 Gone forces exactly one relist");
        _events.Should().NotContain("update kept", "an object unchanged across the gap produces no event");
        informer.Cache.Keys().Select(k => k.Name).Should().BeEquivalentTo("kept", "changed", "created");
        informer.Cache.Get(new ObjectKey(_lab.Namespace, "changed"))!.Data["value"].Should().Be("2");
    }

    [Fact]
    public async Task Bookmarks_advance_the_resume_version_without_events()
    {
        var informer = Start();
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        var synced = long.Parse(informer.LastSyncResourceVersion!, System.Globalization.CultureInfo.InvariantCulture);

        // A write outside the watched namespace moves the cluster's resourceVersion but is no event for this informer.
        await _lab.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = _lab.Namespace + "-other" } });

        await Eventually.UntilAsync(
            () => long.Parse(informer.LastSyncResourceVersion!, System.Globalization.CultureInfo.InvariantCulture) > synced,
            "a bookmark moved the resume version forward");
        _events.Should().BeEmpty();
    }

    [Fact]
    public async Task Failing_list_is_retried_until_the_cache_syncs()
    {
        await _lab.CreateConfigMapAsync("a");
        _lab.Faults.FailNext(2, 500, "/configmaps", "list");

        var informer = Start();

        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        informer.Cache.Keys().Should().ContainSingle().Which.Name.Should().Be("a");
    }

    [Fact]
    public async Task Indices_answer_queries_by_namespace_owner_and_custom_value()
    {
        var owner = await _lab.CreateConfigMapAsync("owner");
        await _lab.CreateConfigMapAsync("on-node-1", new Dictionary<string, string> { ["node"] = "node-1" });
        await _lab.CreateConfigMapAsync("on-node-2", new Dictionary<string, string> { ["node"] = "node-2" });
        await _lab.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "child",
                    NamespaceProperty = _lab.Namespace,
                    Labels = new Dictionary<string, string> { ["node"] = "node-1" },
                    OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "ConfigMap", Name = "owner", Uid = owner.Metadata.Uid }],
                },
            },
            _lab.Namespace);
        var informer = NewInformer();
        informer.Cache.AddIndex("node", cm => cm.Metadata.Labels?.TryGetValue("node", out var node) == true ? [node] : []);
        _run = informer.RunAsync(_stop.Token);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));

        informer.Cache.ByIndex("node", "node-1").Select(c => c.Metadata.Name).Should().BeEquivalentTo("on-node-1", "child");
        informer.Cache.ByIndex(Cache<V1ConfigMap>.OwnerIndex, owner.Metadata.Uid).Select(c => c.Metadata.Name).Should().Equal("child");
        informer.Cache.ByIndex(Cache<V1ConfigMap>.NamespaceIndex, _lab.Namespace).Should().HaveCount(4);
        informer.Cache.ByIndex("node", "node-3").Should().BeEmpty();

        await _lab.Client.CoreV1.DeleteNamespacedConfigMapAsync("on-node-1", _lab.Namespace);
        await Eventually.UntilAsync(() => informer.Cache.ByIndex("node", "node-1").Count == 1, "the index dropped the deleted object");
        var unknownIndex = () => informer.Cache.ByIndex("zone", "a");
        unknownIndex.Should().Throw<ArgumentException>().WithMessage("*'zone'*");
    }

    private Informer<V1ConfigMap> NewInformer() => new(
        new ResourceClient<V1ConfigMap>(_lab.Client),
        new InformerOptions { Namespace = _lab.Namespace, InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(200) },
        TimeProvider.System,
        NullLogger<Informer<V1ConfigMap>>.Instance);

    private Informer<V1ConfigMap> Start()
    {
        var informer = NewInformer();
        informer.AddHandler(new ResourceEventHandler<V1ConfigMap>(
            OnAdd: o => _events.Enqueue("add " + o.Metadata.Name),
            OnUpdate: (_, o) => _events.Enqueue("update " + o.Metadata.Name),
            OnDelete: o => _events.Enqueue("delete " + o.Metadata.Name)));
        _run = informer.RunAsync(_stop.Token);
        return informer;
    }
}
