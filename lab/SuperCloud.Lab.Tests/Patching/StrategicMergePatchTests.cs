using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class StrategicMergePatchTests
{
    private static string Deployment(string podSpec, string extraSpec = "") =>
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},\"spec\":{" + extraSpec +
        "\"template\":{\"spec\":" + podSpec + "}}}";

    private static string Containers(string json) =>
        Obj(json)["spec"]!["template"]!["spec"]!["containers"]!.ToJsonString();

    [Fact]
    public void Containers_merge_by_name_and_unmentioned_ones_stay()
    {
        var live = Obj(Deployment("""{"containers":[{"name":"web","image":"nginx:1","ports":[{"containerPort":80}]},{"name":"sidecar","image":"envoy"}]}"""));
        var patch = Obj("""{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2"}]}}}}""");
        var result = StrategicMergePatch.Apply(live, patch, "apps/v1", "Deployment");
        result["spec"]!["template"]!["spec"]!["containers"].ShouldEqualJson(
            """[{"name":"web","image":"nginx:2","ports":[{"containerPort":80}]},{"name":"sidecar","image":"envoy"}]""");
    }

    [Fact]
    public void New_container_goes_before_live_ones_as_in_kubes_patch_docs()
    {
        var live = Obj(Deployment("""{"containers":[{"name":"a","image":"x"}]}"""));
        var patch = Obj("""{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"y"}]}}}}""");
        var result = StrategicMergePatch.Apply(live, patch, "apps/v1", "Deployment");
        result["spec"]!["template"]!["spec"]!["containers"].ShouldEqualJson("""[{"name":"b","image":"y"},{"name":"a","image":"x"}]""");
    }

    [Fact]
    public void Env_entry_is_deleted_with_patch_delete_directive()
    {
        var live = Obj(Deployment("""{"containers":[{"name":"web","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}"""));
        var patch = Obj("""{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"$patch":"delete","name":"A"}]}]}}}}""");
        var result = StrategicMergePatch.Apply(live, patch, "apps/v1", "Deployment");
        result["spec"]!["template"]!["spec"]!["containers"].ShouldEqualJson("""[{"name":"web","env":[{"name":"B","value":"2"}]}]""");
    }

    [Fact]
    public void Set_element_order_reorders_merged_list()
    {
        var live = Obj(Deployment("""{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2"},{"name":"c","image":"3"}]}"""));
        var patch = Obj("""
            {"spec":{"template":{"spec":{
              "$setElementOrder/containers":[{"name":"c"},{"name":"a"},{"name":"b"}],
              "containers":[{"name":"a","image":"1b"}]}}}}
            """);
        var result = StrategicMergePatch.Apply(live, patch, "apps/v1", "Deployment");
        result["spec"]!["template"]!["spec"]!["containers"].ShouldEqualJson(
            """[{"name":"c","image":"3"},{"name":"a","image":"1b"},{"name":"b","image":"2"}]""");
    }

    [Fact]
    public void Kubectl_client_side_apply_patch_updates_image_keeps_order_and_annotation()
    {
        var live = Obj(Deployment("""{"containers":[{"name":"web","image":"nginx:1","imagePullPolicy":"IfNotPresent"}]}"""));
        var patch = Obj("""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}\n"}},
             "spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"nginx:2","name":"web"}]}}}}
            """);
        var result = StrategicMergePatch.Apply(live, patch, "apps/v1", "Deployment");
        result["spec"]!["template"]!["spec"]!["containers"].ShouldEqualJson(
            """[{"name":"web","image":"nginx:2","imagePullPolicy":"IfNotPresent"}]""");
        result["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]!.GetValue<string>().Should().Be("{}\n");
    }

    [Fact]
    public void Retain_keys_clears_keys_not_listed()
    {
        var live = Obj(Deployment("""{"containers":[]}""", "\"strategy\":{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1}},"));
        var patch = Obj("""{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}""");
        var result = StrategicMergePatch.Apply(live, patch, "apps/v1", "Deployment");
        result["spec"]!["strategy"].ShouldEqualJson("""{"type":"Recreate"}""");
    }

    [Fact]
    public void Retain_keys_that_contradict_the_patch_are_422()
    {
        var live = Obj(Deployment("""{"containers":[]}"""));
        var patch = Obj("""{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":1}}}}""");
        var act = () => StrategicMergePatch.Apply(live, patch, "apps/v1", "Deployment");
        act.Should().Throw<StatusException>().Which.Code.Should().Be(422);
    }

    [Fact]
    public void Null_removes_a_field()
    {
        var live = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"1","b":"2"}},"data":{"k":"v"}}""");
        var patch = Obj("""{"metadata":{"labels":{"a":null}},"data":null}""");
        var result = StrategicMergePatch.Apply(live, patch, "v1", "ConfigMap");
        result.ShouldEqualJson("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"b":"2"}}}""");
    }

    [Fact]
    public void Finalizers_merge_as_a_set_and_delete_from_primitive_list_removes()
    {
        var live = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","finalizers":["a","b"]}}""");
        var add = StrategicMergePatch.Apply(live, Obj("""{"metadata":{"finalizers":["b","c"]}}"""), "v1", "ConfigMap");
        add["metadata"]!["finalizers"].ShouldEqualJson("""["a","b","c"]""");
        var removed = StrategicMergePatch.Apply(add, Obj("""{"metadata":{"$deleteFromPrimitiveList/finalizers":["a","c"]}}"""), "v1", "ConfigMap");
        removed["metadata"]!["finalizers"].ShouldEqualJson("""["b"]""");
    }

    [Fact]
    public void Tolerations_are_replaced_not_merged()
    {
        var live = Obj(Deployment("""{"tolerations":[{"key":"a","operator":"Exists"}],"containers":[]}"""));
        var patch = Obj("""{"spec":{"template":{"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}}}""");
        var result = StrategicMergePatch.Apply(live, patch, "apps/v1", "Deployment");
        result["spec"]!["template"]!["spec"]!["tolerations"].ShouldEqualJson("""[{"key":"b","operator":"Exists"}]""");
    }

    [Fact]
    public void Service_ports_merge_by_port()
    {
        var live = Obj("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"port":80,"targetPort":8080,"name":"http"},{"port":443,"name":"https"}]}}""");
        var patch = Obj("""{"spec":{"ports":[{"port":80,"targetPort":9090}]}}""");
        var result = StrategicMergePatch.Apply(live, patch, "v1", "Service");
        result["spec"]!["ports"].ShouldEqualJson("""[{"port":80,"targetPort":9090,"name":"http"},{"port":443,"name":"https"}]""");
    }

    [Fact]
    public void Owner_references_merge_by_uid()
    {
        var live = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","ownerReferences":[{"uid":"1","name":"a","kind":"X","apiVersion":"v1"}]}}""");
        var patch = Obj("""{"metadata":{"ownerReferences":[{"uid":"2","name":"b","kind":"X","apiVersion":"v1"},{"uid":"1","name":"a2"}]}}""");
        var result = StrategicMergePatch.Apply(live, patch, "v1", "ConfigMap");
        result["metadata"]!["ownerReferences"].ShouldEqualJson(
            """[{"uid":"2","name":"b","kind":"X","apiVersion":"v1"},{"uid":"1","name":"a2","kind":"X","apiVersion":"v1"}]""");
    }

    [Fact]
    public void Patch_replace_in_a_list_replaces_the_whole_list()
    {
        var live = Obj(Deployment("""{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2"}]}"""));
        var patch = Obj("""{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"c","image":"3"}]}}}}""");
        var result = StrategicMergePatch.Apply(live, patch, "apps/v1", "Deployment");
        result["spec"]!["template"]!["spec"]!["containers"].ShouldEqualJson("""[{"name":"c","image":"3"}]""");
    }

    [Fact]
    public void Patch_replace_in_a_map_replaces_the_map()
    {
        var live = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"1","b":"2"}}}""");
        var patch = Obj("""{"metadata":{"labels":{"$patch":"replace","c":"3"}}}""");
        var result = StrategicMergePatch.Apply(live, patch, "v1", "ConfigMap");
        result["metadata"]!["labels"].ShouldEqualJson("""{"c":"3"}""");
    }

    [Fact]
    public void Patch_delete_in_a_map_empties_it()
    {
        var live = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"1"}}}""");
        var result = StrategicMergePatch.Apply(live, Obj("""{"metadata":{"labels":{"$patch":"delete"}}}"""), "v1", "ConfigMap");
        result["metadata"]!["labels"].ShouldEqualJson("{}");
    }

    [Fact]
    public void Rbac_rules_are_replaced()
    {
        var live = Obj("""{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}]}""");
        var patch = Obj("""{"rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["list"]}]}""");
        var result = StrategicMergePatch.Apply(live, patch, "rbac.authorization.k8s.io/v1", "Role");
        result["rules"].ShouldEqualJson("""[{"apiGroups":[""],"resources":["secrets"],"verbs":["list"]}]""");
    }

    [Fact]
    public void Unknown_kind_merges_maps_and_replaces_lists()
    {
        var live = Obj("""{"apiVersion":"x/v1","kind":"Thing","spec":{"a":1,"list":[1,2],"m":{"x":1}}}""");
        var patch = Obj("""{"spec":{"list":[3],"m":{"y":2}}}""");
        var result = StrategicMergePatch.Apply(live, patch, "x/v1", "Thing");
        result["spec"].ShouldEqualJson("""{"a":1,"list":[3],"m":{"x":1,"y":2}}""");
    }

    [Fact]
    public void Container_without_merge_key_is_rejected_like_kube()
    {
        var live = Obj(Deployment("""{"containers":[{"name":"a","image":"1"}]}"""));
        var patch = Obj("""{"spec":{"template":{"spec":{"containers":[{"image":"2"}]}}}}""");
        var act = () => StrategicMergePatch.Apply(live, patch, "apps/v1", "Deployment");
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(500);
        ex.Message.Should().Be("map: map[image:2] does not contain declared merge key: name");
    }

    [Fact]
    public void Unknown_patch_directive_is_rejected()
    {
        var live = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"1"}}}""");
        var act = () => StrategicMergePatch.Apply(live, Obj("""{"metadata":{"labels":{"$patch":"explode"}}}"""), "v1", "ConfigMap");
        act.Should().Throw<StatusException>().Which.Message.Should().StartWith("unknown patch type: explode in map:");
    }

    [Fact]
    public void Malformed_retain_keys_is_400()
    {
        var live = Obj(Deployment("""{"containers":[]}"""));
        var act = () => StrategicMergePatch.Apply(live, Obj("""{"spec":{"strategy":{"$retainKeys":"type"}}}"""), "apps/v1", "Deployment");
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(400);
        ex.Message.Should().Be("invalid patch format of retainKeys");
    }

    [Fact]
    public void New_list_in_patch_is_taken_without_directives()
    {
        var live = Obj(Deployment("""{"containers":[{"name":"web"}]}"""));
        var patch = Obj("""{"spec":{"template":{"spec":{"volumes":[{"name":"v","emptyDir":{}}],"containers":[{"name":"web","volumeMounts":[{"mountPath":"/data","name":"v"}]}]}}}}""");
        var result = StrategicMergePatch.Apply(live, patch, "apps/v1", "Deployment");
        result["spec"]!["template"]!["spec"].ShouldEqualJson(
            """{"containers":[{"name":"web","volumeMounts":[{"mountPath":"/data","name":"v"}]}],"volumes":[{"name":"v","emptyDir":{}}]}""");
    }

    [Fact]
    public void Target_is_not_modified()
    {
        var live = Obj(Deployment("""{"containers":[{"name":"a","image":"1"}]}"""));
        var before = live.ToJsonString();
        StrategicMergePatch.Apply(live, Obj("""{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"2"}]}}}}"""), "apps/v1", "Deployment");
        live.ToJsonString().Should().Be(before);
        Containers(before).Should().Contain("\"1\"");
    }
}
