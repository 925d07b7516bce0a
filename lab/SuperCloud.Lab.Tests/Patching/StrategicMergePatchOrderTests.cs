using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class StrategicMergePatchOrderTests
{
    [Fact]
    public void Set_element_order_applies_to_primitive_lists_with_deletions()
    {
        var live = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","finalizers":["a","b","c"]}}""");
        var patch = Obj("""
            {"metadata":{"$setElementOrder/finalizers":["c","d","a"],"finalizers":["d"],"$deleteFromPrimitiveList/finalizers":["b"]}}
            """);
        var result = StrategicMergePatch.Apply(live, patch, "v1", "ConfigMap");
        result["metadata"]!["finalizers"].ShouldEqualJson("""["c","d","a"]""");
    }

    [Fact]
    public void Env_deleted_and_added_with_set_element_order_as_kubectl_apply_sends()
    {
        var live = Obj("""
            {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[
              {"name":"agent","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}}}}
            """);
        var patch = Obj("""
            {"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"agent"}],"containers":[
              {"$setElementOrder/env":[{"name":"C"},{"name":"A"}],"env":[{"name":"C","value":"3"},{"$patch":"delete","name":"B"}],"name":"agent"}]}}}}
            """);
        var result = StrategicMergePatch.Apply(live, patch, "apps/v1", "DaemonSet");
        result["spec"]!["template"]!["spec"]!["containers"]![0]!["env"].ShouldEqualJson(
            """[{"name":"C","value":"3"},{"name":"A","value":"1"}]""");
    }

    [Fact]
    public void Volumes_merge_by_name_with_retain_keys_switching_source()
    {
        var live = Obj("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[],"volumes":[
              {"name":"data","emptyDir":{}},{"name":"cfg","configMap":{"name":"x"}}]}}
            """);
        var patch = Obj("""{"spec":{"volumes":[{"$retainKeys":["hostPath","name"],"name":"data","hostPath":{"path":"/srv"}}]}}""");
        var result = StrategicMergePatch.Apply(live, patch, "v1", "Pod");
        result["spec"]!["volumes"].ShouldEqualJson(
            """[{"name":"data","hostPath":{"path":"/srv"}},{"name":"cfg","configMap":{"name":"x"}}]""");
    }
}
