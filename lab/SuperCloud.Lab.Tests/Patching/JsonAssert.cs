using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Patching;

namespace SuperCloud.Lab.Tests.Patching;

internal static class JsonAssert
{
    public static JsonNode Parse(string json) => JsonNode.Parse(json)!;

    public static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Compact JSON without escaping quotes as \u0022, for exact comparisons with kube's output.</summary>
    public static string Compact(this JsonNode? node) => node?.ToJsonString(Relaxed) ?? "null";

    /// <summary>Asserts semantic JSON equality (member order ignored, numbers by value).</summary>
    public static void ShouldEqualJson(this JsonNode? actual, string expected)
    {
        var expectedNode = JsonNode.Parse(expected);
        JsonValues.DeepEquals(actual, expectedNode).Should().BeTrue(
            $"expected {expectedNode?.ToJsonString()} but got {actual?.ToJsonString()}");
    }
}
