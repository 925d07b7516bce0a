using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SuperCloud.Lab.ApiServer;
using static SuperCloud.Lab.Tests.ApiServer.TestCluster;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>Watch semantics through KubernetesClient's WatchAsync: replay, 410, bookmarks, selectors, timeouts.</summary>
public sealed class WatchConformanceTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await StartAsync(new LabApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IAsyncEnumerable<(WatchEventType Type, object Object)> Watch(
        string? resourceVersion, CancellationToken cancellationToken, bool bookmarks = false, string? labelSelector = null, int? timeoutSeconds = null, Action<Exception>? onError = null) =>
        _cluster.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
            WidgetGroup, WidgetVersion, "default", WidgetPlural, allowWatchBookmarks: bookmarks, labelSelector: labelSelector,
            resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken);

    private static async Task<List<(WatchEventType Type, JsonObject Object)>> TakeAsync(
        IAsyncEnumerable<(WatchEventType Type, object Object)> events, int count, Func<WatchEventType, bool>? keep = null)
    {
        var result = new List<(WatchEventType, JsonObject)>();
        await foreach (var (type, obj) in events)
        {
            if (keep is null || keep(type))
            {
                result.Add((type, ToNode(obj)));
            }

            if (result.Count == count)
            {
                break;
            }
        }

        return result;
    }

    private static string Name(JsonObject obj) => Json(obj, "metadata", "name");

    [Fact]
    public async Task Watch_resumes_from_resourceVersion_replaying_every_later_change_in_order()
    {
        var a = await _cluster.CreateWidgetAsync(Widget("a", 1));
        var from = Json(a, "metadata", "resourceVersion");
        await _cluster.CreateWidgetAsync(Widget("b", 1));
        var a2 = Widget("a", 2);
        a2["metadata"]!["resourceVersion"] = from;
        await _cluster.ReplaceWidgetAsync(a2);
        await _cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(WidgetGroup, WidgetVersion, "default", WidgetPlural, "b");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = await TakeAsync(Watch(from, cts.Token), 3);

        events.Select(e => (e.Type, Name(e.Object))).Should().Equal(
            (WatchEventType.Added, "b"), (WatchEventType.Modified, "a"), (WatchEventType.Deleted, "b"));
        var versions = events.Select(e => long.Parse(Json(e.Object, "metadata", "resourceVersion"), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        versions.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task Watch_without_resourceVersion_starts_with_synthetic_ADDED_events_then_live_events()
    {
        await _cluster.CreateWidgetAsync(Widget("a", 1));
        await _cluster.CreateWidgetAsync(Widget("b", 1));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var events = Watch(null, cts.Token).GetAsyncEnumerator(cts.Token);

        (await events.MoveNextAsync()).Should().BeTrue();
        events.Current.Type.Should().Be(WatchEventType.Added);
        (await events.MoveNextAsync()).Should().BeTrue();
        events.Current.Type.Should().Be(WatchEventType.Added);
        await _cluster.CreateWidgetAsync(Widget("c", 1));
        (await events.MoveNextAsync()).Should().BeTrue();

        events.Current.Type.Should().Be(WatchEventType.Added);
        Name(ToNode(events.Current.Object)).Should().Be("c");
    }

    [Fact]
    public async Task Watch_from_a_compacted_version_gets_410_Expired_and_a_relist_then_rewatch_recovers()
    {
        var a = await _cluster.CreateWidgetAsync(Widget("a", 1));
        await _cluster.CreateWidgetAsync(Widget("b", 1));
        _cluster.Server.Faults.CompactHistory();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var errors = new List<Exception>();
        var expired = await TakeAsync(Watch(Json(a, "metadata", "resourceVersion"), cts.Token, onError: errors.Add), 1);

        // kube delivers 410 inside the watch stream as an ERROR event carrying a Status; the client reports it to onError.
        expired.Should().BeEmpty();
        var status = errors.Should().ContainSingle().Which.Should().BeOfType<KubernetesException>().Which.Status;
        status.Code.Should().Be(410);
        status.Reason.Should().Be("Expired");
        status.Message.Should().StartWith($"too old resource version: {Json(a, "metadata", "resourceVersion")} (");

        var list = ToNode(await _cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(WidgetGroup, WidgetVersion, "default", WidgetPlural));
        list["items"]!.AsArray().Should().HaveCount(2);
        var relisted = Json(list, "metadata", "resourceVersion");
        var rewatch = Watch(relisted, cts.Token);
        var pending = TakeAsync(rewatch, 1);
        await _cluster.CreateWidgetAsync(Widget("c", 1));
        var events = await pending;
        events.Should().ContainSingle().Which.Type.Should().Be(WatchEventType.Added);
        Name(events[0].Object).Should().Be("c");
    }

    [Fact]
    public async Task Watch_with_allowWatchBookmarks_receives_bookmarks_carrying_only_the_resourceVersion()
    {
        var a = await _cluster.CreateWidgetAsync(Widget("a", 1));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        var bookmarks = await TakeAsync(Watch(Json(a, "metadata", "resourceVersion"), cts.Token, bookmarks: true), 1, t => t == WatchEventType.Bookmark);

        var bookmark = bookmarks.Single().Object;
        Json(bookmark, "kind").Should().Be("Widget");
        Json(bookmark, "apiVersion").Should().Be("lab.supercloud.dev/v1");
        long.Parse(Json(bookmark, "metadata", "resourceVersion"), System.Globalization.CultureInfo.InvariantCulture)
            .Should().BeGreaterThanOrEqualTo(long.Parse(Json(a, "metadata", "resourceVersion"), System.Globalization.CultureInfo.InvariantCulture));
        bookmark.ContainsKey("spec").Should().BeFalse();
    }

    [Fact]
    public async Task Watch_with_a_label_selector_sees_objects_enter_as_ADDED_and_leave_as_DELETED()
    {
        var a = await _cluster.CreateWidgetAsync(Widget("a", 1));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var pending = TakeAsync(Watch(Json(a, "metadata", "resourceVersion"), cts.Token, labelSelector: "tier=web"), 2);

        await _cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"tier\":\"web\"}}}", V1Patch.PatchType.MergePatch), WidgetGroup, WidgetVersion, "default", WidgetPlural, "a");
        await _cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"tier\":\"db\"}}}", V1Patch.PatchType.MergePatch), WidgetGroup, WidgetVersion, "default", WidgetPlural, "a");

        var events = await pending;
        events.Select(e => e.Type).Should().Equal(WatchEventType.Added, WatchEventType.Deleted);
        events.Should().OnlyContain(e => Name(e.Object) == "a");
    }

    [Fact]
    public async Task Watch_ends_after_timeoutSeconds_and_when_the_server_closes_watches()
    {
        // One object, so each stream carries one ADDED event before it ends.
        await _cluster.CreateWidgetAsync(Widget("a", 1));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var started = DateTime.UtcNow;
        var events = await TakeAsync(Watch(null, cts.Token, timeoutSeconds: 1), 2);
        events.Should().ContainSingle();
        (DateTime.UtcNow - started).Should().BeGreaterThan(TimeSpan.FromMilliseconds(900));

        var open = TakeAsync(Watch(null, cts.Token), 2);
        await EventuallyAsync(() =>
        {
            _cluster.Server.Faults.CloseAllWatches();
            return Task.FromResult(open.IsCompleted);
        }, "the open watch ends");
        (await open).Should().ContainSingle();
    }
}
