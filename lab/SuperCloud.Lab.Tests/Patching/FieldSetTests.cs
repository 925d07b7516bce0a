using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class FieldSetTests
{
    private const string Sample =
        """{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}},"f:finalizers":{"v:\"a\"":{}}}}""";

    [Fact]
    public void Fields_v1_round_trips_byte_for_byte()
    {
        var set = FieldSet.FromFieldsV1(Obj(Sample));
        set.ToFieldsV1().Compact().Should().Be(Sample);
    }

    [Fact]
    public void Paths_print_like_kube_conflict_fields()
    {
        var set = FieldSet.FromFieldsV1(Obj(Sample));
        set.Paths().Select(p => new FieldPath(p).ToString()).Should().Equal(
            ".metadata.labels",
            ".metadata.labels.app",
            ".spec.containers[name=\"web\"]",
            ".spec.containers[name=\"web\"].image",
            ".spec.containers[name=\"web\"].ports[containerPort=80,protocol=\"TCP\"]",
            ".spec.containers[name=\"web\"].ports[containerPort=80,protocol=\"TCP\"].containerPort",
            ".spec.finalizers[=\"a\"]");
    }

    [Fact]
    public void Keys_sort_numbers_by_value_and_fields_before_keys()
    {
        var set = new FieldSet();
        foreach (var port in new[] { 8080, 443, 80 })
        {
            set.Insert([PathElement.Field("ports"), PathElement.ByKey([new("port", JsonValue.Create(port))])]);
        }

        set.Insert([PathElement.Field("ports"), PathElement.Field("x")]);
        set.ToFieldsV1().Compact().Should().Be(
            """{"f:ports":{"f:x":{},"k:{\"port\":80}":{},"k:{\"port\":443}":{},"k:{\"port\":8080}":{}}}""");
    }

    [Fact]
    public void Key_values_are_escaped_like_go()
    {
        PathElement.ByValue(JsonValue.Create("a<b&c")).Encoded.Should().Be("v:\"a\\u003cb\\u0026c\"");
        PathElement.ByKey([new("b", JsonValue.Create(1)), new("a", JsonValue.Create("x"))]).Encoded.Should().Be("k:{\"a\":\"x\",\"b\":1}");
    }

    [Fact]
    public void Set_algebra_follows_structured_merge_diff()
    {
        var a = FieldSet.FromFieldsV1(Obj("""{"f:data":{"f:a":{},"f:b":{}},"f:spec":{".":{},"f:x":{}}}"""));
        var b = FieldSet.FromFieldsV1(Obj("""{"f:data":{"f:b":{},"f:c":{}},"f:spec":{}}"""));
        a.Union(b).ToFieldsV1().Compact().Should().Be("""{"f:data":{"f:a":{},"f:b":{},"f:c":{}},"f:spec":{".":{},"f:x":{}}}""");
        a.Intersection(b).ToFieldsV1().Compact().Should().Be("""{"f:data":{"f:b":{}},"f:spec":{}}""");
        a.Difference(b).ToFieldsV1().Compact().Should().Be("""{"f:data":{"f:a":{}},"f:spec":{"f:x":{}}}""");
        a.RecursiveDifference(b).ToFieldsV1().Compact().Should().Be("""{"f:data":{"f:a":{}}}""");
        a.Difference(a).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void Invalid_fields_v1_key_is_rejected()
    {
        var act = () => FieldSet.FromFieldsV1(Obj("""{"x:nope":{}}"""));
        act.Should().Throw<FormatException>();
    }
}
