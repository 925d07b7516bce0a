using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class ServerSideApplyTests
{
    private static readonly DateTimeOffset T1 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private static readonly DateTimeOffset T2 = T1.AddMinutes(1);
    private static readonly DateTimeOffset T3 = T1.AddMinutes(2);

    private static JsonObject ConfigMap(string data, string extraMeta = "") => Obj(
        "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"namespace\":\"default\"" + extraMeta + "},\"data\":" + data + "}");

    private static JsonObject ApplyCm(JsonObject? live, string data, string manager, DateTimeOffset now, bool force = false) =>
        ServerSideApply.Apply(live, ConfigMap(data), manager, force, "v1", "ConfigMap", null, now);

    private static JsonArray Managed(JsonObject obj) => obj["metadata"]!["managedFields"]!.AsArray();

    private static JsonObject Entry(JsonObject obj, string manager, string operation = "Apply") =>
        Managed(obj).Single(e => e!["manager"]!.GetValue<string>() == manager && e["operation"]!.GetValue<string>() == operation)!.AsObject();

    [Fact]
    public void Apply_creates_object_with_an_apply_entry_in_kube_encoding()
    {
        var result = ServerSideApply.Apply(null, ConfigMap("""{"key":"v"}""", ",\"labels\":{\"app\":\"web\"}"), "mgr", false, "v1", "ConfigMap", null, T1);
        result["data"].ShouldEqualJson("""{"key":"v"}""");
        result["metadata"]!["labels"].ShouldEqualJson("""{"app":"web"}""");
        Managed(result).Compact().Should().Be(
            """[{"manager":"mgr","operation":"Apply","apiVersion":"v1","time":"2026-01-02T03:04:05Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:key":{}},"f:metadata":{"f:labels":{"f:app":{}}}}}]""");
    }

    [Fact]
    public void Deployment_fields_v1_matches_kubes_exact_encoding()
    {
        var applied = Obj("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
             "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
               "template":{"metadata":{"labels":{"app":"web"}},
                 "spec":{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80}],"resources":{}}]}}}}
            """);
        var result = ServerSideApply.Apply(null, applied, "kubectl", false, "apps/v1", "Deployment", null, T1);
        Entry(result, "kubectl")["fieldsV1"].Compact().Should().Be(
            """{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{"f:matchLabels":{"f:app":{}}},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}},"f:resources":{}}}}}}}""");
    }

    [Fact]
    public void Reapplying_the_same_configuration_changes_nothing()
    {
        var first = ApplyCm(null, """{"key":"v"}""", "mgr", T1);
        var second = ApplyCm(first, """{"key":"v"}""", "mgr", T2);
        JsonValues.DeepEquals(first, second).Should().BeTrue(second.ToJsonString());
        Entry(second, "mgr")["time"]!.GetValue<string>().Should().Be("2026-01-02T03:04:05Z");
    }

    [Fact]
    public void Changing_a_value_updates_the_time()
    {
        var first = ApplyCm(null, """{"key":"v"}""", "mgr", T1);
        var second = ApplyCm(first, """{"key":"w"}""", "mgr", T2);
        second["data"].ShouldEqualJson("""{"key":"w"}""");
        Entry(second, "mgr")["time"]!.GetValue<string>().Should().Be("2026-01-02T03:05:05Z");
    }

    [Fact]
    public void Field_omitted_from_the_next_apply_is_removed()
    {
        var first = ApplyCm(null, """{"a":"1","b":"2"}""", "mgr", T1);
        var second = ApplyCm(first, """{"a":"1"}""", "mgr", T2);
        second["data"].ShouldEqualJson("""{"a":"1"}""");
        Entry(second, "mgr")["fieldsV1"].Compact().Should().Be("""{"f:data":{"f:a":{}}}""");
    }

    [Fact]
    public void Field_shared_with_another_manager_survives_when_one_stops_applying_it()
    {
        var one = ApplyCm(null, """{"shared":"x","mine":"1"}""", "one", T1);
        var two = ApplyCm(one, """{"shared":"x"}""", "two", T2);
        Entry(two, "one")["fieldsV1"].Compact().Should().Be("""{"f:data":{"f:mine":{},"f:shared":{}}}""");
        Entry(two, "two")["fieldsV1"].Compact().Should().Be("""{"f:data":{"f:shared":{}}}""");

        var dropped = ApplyCm(two, """{"mine":"1"}""", "one", T3);
        dropped["data"].ShouldEqualJson("""{"shared":"x","mine":"1"}""");

        var gone = ApplyCm(dropped, """{"other":"z"}""", "two", T3);
        gone["data"].ShouldEqualJson("""{"mine":"1","other":"z"}""");
    }

    [Fact]
    public void Changing_a_field_owned_by_another_applier_is_a_409_conflict()
    {
        var one = ApplyCm(null, """{"key":"1"}""", "one", T1);
        var act = () => ApplyCm(one, """{"key":"2"}""", "two", T2);
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(409);
        ex.Reason.Should().Be("Conflict");
        ex.Message.Should().Be("Apply failed with 1 conflict: conflict with \"one\": .data.key");
        ex.Causes.Should().Equal(new StatusCause("FieldManagerConflict", "conflict with \"one\"", ".data.key"));
    }

    [Fact]
    public void Several_conflicts_are_listed_per_manager()
    {
        var one = ApplyCm(null, """{"a":"1","b":"1"}""", "one", T1);
        var act = () => ApplyCm(one, """{"a":"2","b":"2"}""", "two", T2);
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Message.Should().Be("Apply failed with 2 conflicts: conflicts with \"one\":\n- .data.a\n- .data.b");
        ex.Causes.Select(c => c.Field).Should().Equal(".data.a", ".data.b");
    }

    [Fact]
    public void Force_takes_ownership_of_conflicting_fields()
    {
        var one = ApplyCm(null, """{"key":"1","other":"o"}""", "one", T1);
        var forced = ApplyCm(one, """{"key":"2"}""", "two", T2, force: true);
        forced["data"].ShouldEqualJson("""{"key":"2","other":"o"}""");
        Entry(forced, "one")["fieldsV1"].Compact().Should().Be("""{"f:data":{"f:other":{}}}""");
        Entry(forced, "two")["fieldsV1"].Compact().Should().Be("""{"f:data":{"f:key":{}}}""");

        // The previous owner no longer owns the field, so its next apply without it does not remove it.
        var after = ApplyCm(forced, """{"other":"o"}""", "one", T3);
        after["data"].ShouldEqualJson("""{"key":"2","other":"o"}""");
    }

    [Fact]
    public void Manager_that_loses_all_its_fields_disappears()
    {
        var one = ApplyCm(null, """{"key":"1"}""", "one", T1);
        var forced = ApplyCm(one, """{"key":"2"}""", "two", T2, force: true);
        Managed(forced).Select(e => e!["manager"]!.GetValue<string>()).Should().Equal("two");
    }

    [Fact]
    public void Update_manager_then_conflicting_apply_names_it_with_its_api_version()
    {
        var created = ConfigMap("""{"key":"1"}""");
        ServerSideApply.TrackUpdate(null, created, "kubectl-client-side-apply", "v1", T1);
        Entry(created, "kubectl-client-side-apply", "Update")["fieldsV1"].Compact().Should().Be("""{"f:data":{".":{},"f:key":{}}}""");

        var act = () => ApplyCm(created, """{"key":"2"}""", "kubectl", T2);
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(409);
        ex.Message.Should().Be("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: .data.key");
        ex.Causes.Single().Should().Be(new StatusCause("FieldManagerConflict", "conflict with \"kubectl-client-side-apply\" using v1", ".data.key"));
    }

    [Fact]
    public void Client_side_applied_fields_matching_last_applied_are_taken_over_by_kubectl_server_side()
    {
        const string lastApplied = """{"apiVersion":"v1","data":{"key":"1"},"kind":"ConfigMap","metadata":{"name":"c","namespace":"default"}}""";
        var created = ConfigMap("""{"key":"1"}""", ",\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":" + JsonValue.Create(lastApplied).ToJsonString() + "}");
        ServerSideApply.TrackUpdate(null, created, "kubectl-client-side-apply", "v1", T1);

        var result = ApplyCm(created, """{"key":"2"}""", "kubectl", T2);
        result["data"].ShouldEqualJson("""{"key":"2"}""");
        // kube keeps the annotation in step with what kubectl applied server-side.
        result["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]!.GetValue<string>().Should().Be(
            """{"apiVersion":"v1","data":{"key":"2"},"kind":"ConfigMap","metadata":{"name":"c","namespace":"default"}}""");
    }

    [Fact]
    public void First_apply_to_an_untracked_object_conflicts_with_before_first_apply()
    {
        var untracked = ConfigMap("""{"key":"1"}""");
        var act = () => ApplyCm(untracked, """{"key":"2"}""", "mgr", T1);
        act.Should().Throw<StatusException>().Which.Message.Should().Be(
            "Apply failed with 1 conflict: conflict with \"before-first-apply\" using v1: .data.key");

        var same = ApplyCm(untracked, """{"key":"1"}""", "mgr", T1);
        Managed(same).Select(e => e!["manager"]!.GetValue<string>()).Should().Equal("mgr", "before-first-apply");
    }

    [Fact]
    public void Managed_fields_in_the_applied_body_are_rejected()
    {
        var body = ConfigMap("{}", ",\"managedFields\":[]");
        var act = () => ServerSideApply.Apply(null, body, "mgr", false, "v1", "ConfigMap", null, T1);
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(400);
        ex.Message.Should().Be("metadata.managedFields must be nil");
    }

    [Fact]
    public void Body_of_another_kind_is_rejected()
    {
        var act = () => ServerSideApply.Apply(null, ConfigMap("{}"), "mgr", false, "v1", "Secret", null, T1);
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(400);
        ex.Message.Should().Be("invalid object type: /v1, Kind=ConfigMap");
    }

    [Fact]
    public void Missing_field_manager_is_422()
    {
        var act = () => ServerSideApply.Apply(null, ConfigMap("{}"), "", false, "v1", "ConfigMap", null, T1);
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(422);
        ex.Message.Should().Be("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
    }

    [Fact]
    public void Container_without_its_key_fails_like_kube()
    {
        var applied = Obj("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"ns"},
             "spec":{"template":{"spec":{"containers":[{"image":"nginx"}]}}}}
            """);
        var act = () => ServerSideApply.Apply(null, applied, "mgr", false, "apps/v1", "Deployment", null, T1);
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(500);
        ex.Message.Should().Be("failed to create typed patch object (ns/web; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field \"name\" (and doesn't have default value)");
    }

    [Fact]
    public void Duplicate_list_keys_fail_like_kube()
    {
        var applied = Obj("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"ns"},
             "spec":{"template":{"spec":{"containers":[{"name":"a","env":[{"name":"X"},{"name":"X"}]}]}}}}
            """);
        var act = () => ServerSideApply.Apply(null, applied, "mgr", false, "apps/v1", "Deployment", null, T1);
        act.Should().Throw<StatusException>().Which.Message.Should().EndWith(
            ".spec.template.spec.containers[name=\"a\"].env: duplicate entries for key [name=\"X\"]");
    }

    [Fact]
    public void Containers_from_two_appliers_merge_by_name_and_omitted_container_is_removed()
    {
        static JsonObject Deploy(string containers) => Obj(
            "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},\"spec\":{\"template\":{\"spec\":{\"containers\":" + containers + "}}}}");
        var a = ServerSideApply.Apply(null, Deploy("""[{"name":"web","image":"nginx"},{"name":"log","image":"fluent"}]"""), "a", false, "apps/v1", "Deployment", null, T1);
        var b = ServerSideApply.Apply(a, Deploy("""[{"name":"side","image":"envoy"}]"""), "b", false, "apps/v1", "Deployment", null, T2);
        b["spec"]!["template"]!["spec"]!["containers"].ShouldEqualJson(
            """[{"name":"web","image":"nginx"},{"name":"log","image":"fluent"},{"name":"side","image":"envoy"}]""");

        var dropLog = ServerSideApply.Apply(b, Deploy("""[{"name":"web","image":"nginx"}]"""), "a", false, "apps/v1", "Deployment", null, T3);
        dropLog["spec"]!["template"]!["spec"]!["containers"].ShouldEqualJson(
            """[{"name":"web","image":"nginx"},{"name":"side","image":"envoy"}]""");
    }

    private static readonly JsonObject CrdSchema = Obj("""
        {"type":"object","properties":{"spec":{"type":"object","properties":{
          "ports":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
                   "items":{"type":"object","properties":{"name":{"type":"string"},"port":{"type":"integer"}}}},
          "tags":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
          "args":{"type":"array","items":{"type":"string"}},
          "selector":{"type":"object","x-kubernetes-map-type":"atomic","additionalProperties":{"type":"string"}},
          "labels":{"type":"object","additionalProperties":{"type":"string"}}}}}}
        """);

    private static JsonObject Widget(string spec) => Obj(
        "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\",\"namespace\":\"default\"},\"spec\":" + spec + "}");

    private static JsonObject ApplyWidget(JsonObject? live, string spec, string manager, DateTimeOffset now, bool force = false) =>
        ServerSideApply.Apply(live, Widget(spec), manager, force, "example.com/v1", "Widget", CrdSchema, now);

    [Fact]
    public void Crd_map_and_set_lists_merge_between_managers()
    {
        var one = ApplyWidget(null, """{"ports":[{"name":"a","port":1}],"tags":["x"],"args":["1"]}""", "one", T1);
        Entry(one, "one")["fieldsV1"].Compact().Should().Be(
            """{"f:spec":{"f:args":{},"f:ports":{"k:{\"name\":\"a\"}":{".":{},"f:name":{},"f:port":{}}},"f:tags":{"v:\"x\"":{}}}}""");

        var two = ApplyWidget(one, """{"ports":[{"name":"b","port":2}],"tags":["y"]}""", "two", T2);
        two["spec"].ShouldEqualJson("""{"ports":[{"name":"a","port":1},{"name":"b","port":2}],"tags":["x","y"],"args":["1"]}""");

        var oneDropsA = ApplyWidget(two, """{"tags":["x"],"args":["1"]}""", "one", T3);
        oneDropsA["spec"].ShouldEqualJson("""{"ports":[{"name":"b","port":2}],"tags":["x","y"],"args":["1"]}""");
    }

    [Fact]
    public void Crd_atomic_list_conflicts_as_a_whole()
    {
        var one = ApplyWidget(null, """{"args":["1","2"]}""", "one", T1);
        var act = () => ApplyWidget(one, """{"args":["3"]}""", "two", T2);
        act.Should().Throw<StatusException>().Which.Message.Should().Be("Apply failed with 1 conflict: conflict with \"one\": .spec.args");
        var forced = ApplyWidget(one, """{"args":["3"]}""", "two", T2, force: true);
        forced["spec"]!["args"].ShouldEqualJson("""["3"]""");
    }

    [Fact]
    public void Crd_map_list_item_field_conflict_names_the_item()
    {
        var one = ApplyWidget(null, """{"ports":[{"name":"a","port":1}]}""", "one", T1);
        var act = () => ApplyWidget(one, """{"ports":[{"name":"a","port":2}]}""", "two", T2);
        act.Should().Throw<StatusException>().Which.Message.Should().Be(
            "Apply failed with 1 conflict: conflict with \"one\": .spec.ports[name=\"a\"].port");
    }

    [Fact]
    public void Crd_atomic_map_is_replaced_and_owned_whole()
    {
        var one = ApplyWidget(null, """{"selector":{"a":"1"},"labels":{"a":"1"}}""", "one", T1);
        Entry(one, "one")["fieldsV1"].Compact().Should().Be("""{"f:spec":{"f:labels":{"f:a":{}},"f:selector":{}}}""");
        var act = () => ApplyWidget(one, """{"selector":{"b":"2"}}""", "two", T2);
        act.Should().Throw<StatusException>().Which.Message.Should().EndWith(": .spec.selector");

        var granular = ApplyWidget(one, """{"labels":{"b":"2"}}""", "two", T2);
        granular["spec"]!["labels"].ShouldEqualJson("""{"a":"1","b":"2"}""");
    }

    [Fact]
    public void Apply_to_main_resource_ignores_status_when_status_is_a_subresource()
    {
        var live = ServerSideApply.Apply(null, Widget("""{"tags":["x"]}"""), "one", false, "example.com/v1", "Widget", CrdSchema, T1);
        live["status"] = Obj("""{"phase":"Ready"}""");
        var body = Widget("""{"tags":["x"]}""");
        body["status"] = Obj("""{"phase":"Hacked"}""");
        var result = ServerSideApply.Apply(live, body, "one", false, "example.com/v1", "Widget", CrdSchema, T2, hasStatusSubresource: true);
        result["status"].ShouldEqualJson("""{"phase":"Ready"}""");
        Entry(result, "one")["fieldsV1"].Compact().Should().NotContain("status");
    }

    [Fact]
    public void Apply_to_status_subresource_sets_only_status_and_records_the_subresource()
    {
        var live = ApplyWidget(null, """{"tags":["x"]}""", "one", T1);
        var body = Widget("""{"tags":["changed"]}""");
        body["status"] = Obj("""{"phase":"Ready"}""");
        var result = ServerSideApply.Apply(live, body, "controller", false, "example.com/v1", "Widget", CrdSchema, T2, subresource: "status");
        result["spec"].ShouldEqualJson("""{"tags":["x"]}""");
        result["status"].ShouldEqualJson("""{"phase":"Ready"}""");
        var entry = Entry(result, "controller");
        entry["subresource"]!.GetValue<string>().Should().Be("status");
        entry["fieldsV1"].Compact().Should().Be("""{"f:status":{"f:phase":{}}}""");
    }

    [Fact]
    public void Managed_fields_list_apply_entries_first_then_by_time()
    {
        var obj = ConfigMap("""{"a":"1"}""");
        ServerSideApply.TrackUpdate(null, obj, "creator", "v1", T1);
        var applied = ApplyCm(obj, """{"a":"1","b":"2"}""", "zz-applier", T3);
        applied = ApplyCm(applied, """{"c":"3"}""", "aa-applier", T2);
        Managed(applied).Select(e => e!["manager"]!.GetValue<string>() + "/" + e["operation"]!.GetValue<string>())
            .Should().Equal("aa-applier/Apply", "zz-applier/Apply", "creator/Update");
    }
}
