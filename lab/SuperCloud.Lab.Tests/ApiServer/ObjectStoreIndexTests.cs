using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>
/// The indexes the in-server controllers use after every write (deleting objects, objects with owners, uids), so a
/// controller pass costs what is being deleted or owned rather than a scan of every stored object.
/// </summary>
public sealed class ObjectStoreIndexTests
{
    private static readonly ApiResource ConfigMaps = new("", "v1", "ConfigMap", "ConfigMapList", "configmaps", "configmap", true, ["cm"], [], [], false, null, []);

    private static JsonObject ConfigMap(string name, string uid, JsonObject? extraMetadata = null)
    {
        var meta = extraMetadata ?? [];
        meta["name"] = name;
        meta["namespace"] = "default";
        meta["uid"] = uid;
        return new() { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = meta, ["data"] = new JsonObject { ["k"] = "v" } };
    }

    [Fact]
    public void Indexes_follow_adds_updates_and_deletes()
    {
        var store = new ObjectStore(historyCapacity: 100, watcherQueueCapacity: 10);
        store.Commit(ConfigMaps, "ADDED", ConfigMap("owner", "u-owner"));
        store.Commit(ConfigMaps, "ADDED", ConfigMap("plain", "u-plain"));
        store.Commit(ConfigMaps, "ADDED", ConfigMap("child", "u-child", new JsonObject
        {
            ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = "owner", ["uid"] = "u-owner" }),
        }));

        store.ContainsUid("u-owner").Should().BeTrue();
        store.ContainsUid("u-missing").Should().BeFalse();
        store.PeekOwned().Select(e => Json.Name(e.Object)).Should().Equal("child");
        store.PeekDeleting().Should().BeEmpty();

        store.Commit(ConfigMaps, "MODIFIED", ConfigMap("owner", "u-owner", new JsonObject { ["deletionTimestamp"] = "2026-01-01T00:00:00Z" }));
        store.PeekDeleting().Select(e => Json.Name(e.Object)).Should().Equal("owner");

        store.Commit(ConfigMaps, "MODIFIED", ConfigMap("child", "u-child"));
        store.PeekOwned().Should().BeEmpty("the update dropped the ownerReferences");

        store.Commit(ConfigMaps, "DELETED", ConfigMap("owner", "u-owner"));
        store.ContainsUid("u-owner").Should().BeFalse();
        store.PeekDeleting().Should().BeEmpty();
        store.ContainsUid("u-plain").Should().BeTrue();
    }

    [Fact]
    public void Stored_objects_are_private_copies_that_serialize_like_the_committed_object()
    {
        var store = new ObjectStore(historyCapacity: 100, watcherQueueCapacity: 10);
        var committed = ConfigMap("a", "u-a");
        var stored = store.Commit(ConfigMaps, "ADDED", committed);

        committed["data"]!["k"] = "changed after commit";

        stored.Should().NotBeSameAs(committed);
        store.Peek(ConfigMaps, "default", "a")!["data"]!["k"]!.GetValue<string>().Should().Be("v");
        store.Peek(ConfigMaps, "default", "a")!["metadata"]!["resourceVersion"]!.GetValue<string>().Should().Be(store.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
