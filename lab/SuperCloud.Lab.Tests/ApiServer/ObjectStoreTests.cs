using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>The store's watch machinery in isolation: bounded history, slow watchers, bookmarks.</summary>
public sealed class ObjectStoreTests
{
    private static readonly ApiResource ConfigMaps = new("", "v1", "ConfigMap", "ConfigMapList", "configmaps", "configmap", true, ["cm"], [], [], false, null, []);

    private static JsonObject ConfigMap(string name) =>
        new() { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" } };

    private static WatchFilter Everything(bool bookmarks = false) =>
        new(ConfigMaps, null, LabelSelector.Everything, FieldSelector.Everything, bookmarks);

    [Fact]
    public void History_is_bounded_and_older_versions_are_expired_with_kube_message()
    {
        var store = new ObjectStore(historyCapacity: 3, watcherQueueCapacity: 10);
        var first = Json(store.Commit(ConfigMaps, "ADDED", ConfigMap("a")));
        for (var i = 0; i < 5; i++)
        {
            store.Commit(ConfigMaps, "ADDED", ConfigMap($"b{i}"));
        }

        var act = () => store.Subscribe(Everything(), first, sendInitialEvents: false);

        act.Should().Throw<WatchExpiredException>().WithMessage($"too old resource version: {first} (*)");
        var (_, backlog) = store.Subscribe(Everything(), store.ResourceVersion - 3, sendInitialEvents: false);
        backlog.Select(e => e.Object["metadata"]!["name"]!.GetValue<string>()).Should().Equal("b2", "b3", "b4");
    }

    [Fact]
    public void A_watcher_that_falls_behind_is_closed_without_blocking_the_writer()
    {
        var store = new ObjectStore(historyCapacity: 100, watcherQueueCapacity: 2);
        var (watcher, _) = store.Subscribe(Everything(), store.ResourceVersion, sendInitialEvents: false);

        for (var i = 0; i < 5; i++)
        {
            store.Commit(ConfigMaps, "ADDED", ConfigMap($"c{i}"));
        }

        watcher.Events.Completion.IsCompleted.Should().BeFalse("queued events are still readable");
        var drained = new List<WatchEvent>();
        while (watcher.Events.TryRead(out var e))
        {
            drained.Add(e);
        }

        drained.Should().HaveCount(2);
        watcher.Events.Completion.IsCompleted.Should().BeTrue("the slow watcher was closed");
    }

    [Fact]
    public void Initial_events_end_with_a_bookmark_when_requested()
    {
        var store = new ObjectStore(historyCapacity: 100, watcherQueueCapacity: 10);
        store.Commit(ConfigMaps, "ADDED", ConfigMap("a"));

        var (_, backlog) = store.Subscribe(Everything(bookmarks: true), null, sendInitialEvents: true);

        backlog.Select(e => e.Type).Should().Equal("ADDED", "BOOKMARK");
        backlog[^1].InitialEventsEnd.Should().BeTrue();
    }

    private static long Json(JsonObject obj) => long.Parse(obj["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
}
