using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class TrackUpdateTests
{
    private static readonly DateTimeOffset T1 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = T1.AddHours(1);

    private static JsonArray Managed(JsonObject obj) => obj["metadata"]!["managedFields"]!.AsArray();

    [Fact]
    public void Create_records_every_field_under_the_manager_as_update()
    {
        var pod = Obj("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","uid":"u","labels":{"app":"x"}},
             "spec":{"containers":[{"name":"c","image":"busybox","args":["sleep","1"]}]}}
            """);
        ServerSideApply.TrackUpdate(null, pod, "kubectl-create", "v1", T1);
        Managed(pod).Compact().Should().Be(
            """[{"manager":"kubectl-create","operation":"Update","apiVersion":"v1","time":"2026-01-02T03:04:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:args":{},"f:image":{},"f:name":{}}}}}}]""");
    }

    [Fact]
    public void Update_moves_changed_fields_to_the_updater_and_keeps_the_rest()
    {
        var obj = ServerSideApply.Apply(null, Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1","b":"2"}}"""),
            "applier", false, "v1", "ConfigMap", null, T1);
        var edited = (JsonObject)obj.DeepClone();
        edited["data"]!["a"] = "changed";
        ServerSideApply.TrackUpdate(obj, edited, "kubectl-edit", "v1", T2);

        var entries = Managed(edited);
        entries.Select(e => e!["manager"]!.GetValue<string>()).Should().Equal("applier", "kubectl-edit");
        entries[0]!["fieldsV1"].Compact().Should().Be("""{"f:data":{"f:b":{}}}""");
        entries[1]!["fieldsV1"].Compact().Should().Be("""{"f:data":{"f:a":{}}}""");
        entries[1]!["time"]!.GetValue<string>().Should().Be("2026-01-02T04:04:05Z");
    }

    [Fact]
    public void Apply_after_an_edit_conflicts_with_the_editor()
    {
        var obj = ServerSideApply.Apply(null, Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"""),
            "applier", false, "v1", "ConfigMap", null, T1);
        var edited = (JsonObject)obj.DeepClone();
        edited["data"]!["a"] = "2";
        ServerSideApply.TrackUpdate(obj, edited, "kubectl-edit", "v1", T2);

        var act = () => ServerSideApply.Apply(edited, Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"""),
            "applier", false, "v1", "ConfigMap", null, T2);
        act.Should().Throw<SuperCloud.Lab.ApiServer.StatusException>().Which.Message.Should().Be(
            "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.a");
    }

    [Fact]
    public void Update_that_changes_nothing_adds_no_entry_and_keeps_times()
    {
        var obj = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}""");
        ServerSideApply.TrackUpdate(null, obj, "creator", "v1", T1);
        var same = (JsonObject)obj.DeepClone();
        ServerSideApply.TrackUpdate(obj, same, "other", "v1", T2);
        JsonValues.DeepEquals(obj, same).Should().BeTrue();
    }

    [Fact]
    public void Removed_fields_are_dropped_from_every_manager_and_empty_entries_vanish()
    {
        var obj = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}""");
        ServerSideApply.TrackUpdate(null, obj, "creator", "v1", T1);
        var updated = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}""");
        ServerSideApply.TrackUpdate(obj, updated, "cleaner", "v1", T2);
        updated["metadata"]!.AsObject().ContainsKey("managedFields").Should().BeFalse();
    }

    [Fact]
    public void Object_without_managed_fields_is_not_tracked_on_update()
    {
        var old = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}""");
        var updated = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"2"}}""");
        ServerSideApply.TrackUpdate(old, updated, "x", "v1", T1);
        updated["metadata"]!.AsObject().ContainsKey("managedFields").Should().BeFalse();
    }

    [Fact]
    public void Managed_fields_sent_in_the_update_replace_the_stored_ones()
    {
        var obj = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}""");
        ServerSideApply.TrackUpdate(null, obj, "creator", "v1", T1);
        var rewritten = (JsonObject)obj.DeepClone();
        rewritten["metadata"]!["managedFields"]![0]!["manager"] = "renamed";
        ServerSideApply.TrackUpdate(obj, rewritten, "someone", "v1", T2);
        Managed(rewritten).Select(e => e!["manager"]!.GetValue<string>()).Should().Equal("renamed");
    }

    [Fact]
    public void Status_update_records_the_subresource()
    {
        var obj = Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":1}}""");
        ServerSideApply.TrackUpdate(null, obj, "creator", "apps/v1", T1);
        var withStatus = (JsonObject)obj.DeepClone();
        withStatus["status"] = Obj("""{"readyReplicas":1,"conditions":[{"type":"Available","status":"True"}]}""");
        ServerSideApply.TrackUpdate(obj, withStatus, "kube-controller-manager", "apps/v1", T2, subresource: "status");
        var entry = Managed(withStatus).Single(e => e!["manager"]!.GetValue<string>() == "kube-controller-manager")!;
        entry["subresource"]!.GetValue<string>().Should().Be("status");
        entry["fieldsV1"].Compact().Should().Be(
            """{"f:status":{"f:conditions":{".":{},"k:{\"type\":\"Available\"}":{".":{},"f:status":{},"f:type":{}}},"f:readyReplicas":{}}}""");
    }

    [Fact]
    public void More_than_ten_updaters_are_folded_into_ancient_changes()
    {
        var obj = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{}}""");
        ServerSideApply.TrackUpdate(null, obj, "creator", "v1", T1);
        for (var i = 0; i < 12; i++)
        {
            var next = (JsonObject)obj.DeepClone();
            next["data"]![$"k{i}"] = "v";
            ServerSideApply.TrackUpdate(obj, next, $"m{i:00}", "v1", T1.AddMinutes(i + 1));
            obj = next;
        }

        var managers = Managed(obj).Select(e => e!["manager"]!.GetValue<string>()).ToList();
        managers.Should().HaveCount(ServerSideApply.MaxUpdateManagers);
        managers.Should().Contain(ServerSideApply.AncientChangesManager);
        managers.Should().Contain("m11");
    }
}
