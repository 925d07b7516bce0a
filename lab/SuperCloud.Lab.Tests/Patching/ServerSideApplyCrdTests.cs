using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class ServerSideApplyCrdTests
{
    private static readonly DateTimeOffset T1 = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly JsonObject Schema = Obj("""
        {"type":"object","properties":{"spec":{"type":"object","properties":{
          "ports":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name","protocol"],
                   "items":{"type":"object","properties":{"name":{"type":"string"},"protocol":{"type":"string","default":"TCP"},"port":{"type":"integer"}}}},
          "extra":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}}}
        """);

    private static JsonObject Apply(JsonObject? live, string spec, string manager) => ServerSideApply.Apply(live,
        Obj("{\"apiVersion\":\"example.com/v1\",\"kind\":\"Gadget\",\"metadata\":{\"name\":\"g\"},\"spec\":" + spec + "}"),
        manager, false, "example.com/v1", "Gadget", Schema, T1);

    private static string FieldsOf(JsonObject obj, string manager) =>
        obj["metadata"]!["managedFields"]!.AsArray().Single(e => e!["manager"]!.GetValue<string>() == manager)!["fieldsV1"].Compact();

    [Fact]
    public void Key_field_default_from_the_schema_completes_the_item_key()
    {
        var result = Apply(null, """{"ports":[{"name":"http","port":80}]}""", "one");
        FieldsOf(result, "one").Should().Be(
            """{"f:spec":{"f:ports":{"k:{\"name\":\"http\",\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{}}}}}""");
    }

    [Fact]
    public void Unknown_fields_kept_by_the_schema_are_map_entries_with_dot_markers()
    {
        var result = Apply(null, """{"extra":{"nested":{"deep":1},"flat":"x"}}""", "one");
        FieldsOf(result, "one").Should().Be(
            """{"f:spec":{"f:extra":{"f:flat":{},"f:nested":{".":{},"f:deep":{}}}}}""");
    }

    [Fact]
    public void Applied_order_wins_for_shared_items_and_others_keep_their_place()
    {
        var one = Apply(null, """{"ports":[{"name":"a"},{"name":"b"}]}""", "one");
        var two = Apply(one, """{"ports":[{"name":"x"}]}""", "two");
        two["spec"]!["ports"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).Should().Equal("a", "b", "x");

        var reordered = ServerSideApply.Apply(two,
            Obj("""{"apiVersion":"example.com/v1","kind":"Gadget","metadata":{"name":"g"},"spec":{"ports":[{"name":"b"},{"name":"a"}]}}"""),
            "one", false, "example.com/v1", "Gadget", Schema, T1);
        // As structured-merge-diff interleaves: "x" followed "b" in the live list, so it stays right after it.
        reordered["spec"]!["ports"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).Should().Equal("b", "x", "a");
    }
}
