using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class MergePatchTests
{
    [Theory]
    // RFC 7386 appendix A test cases.
    [InlineData("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""")]
    [InlineData("""{"a":"b"}""", """{"a":null}""", """{}""")]
    [InlineData("""{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""")]
    [InlineData("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""")]
    [InlineData("""{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""")]
    [InlineData("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""")]
    [InlineData("""{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""")]
    [InlineData("""["a","b"]""", """["c","d"]""", """["c","d"]""")]
    [InlineData("""{"a":"b"}""", """["c"]""", """["c"]""")]
    [InlineData("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""")]
    [InlineData("""[1,2]""", """{"a":"b","c":null}""", """{"a":"b"}""")]
    [InlineData("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""")]
    // Labels: add one, delete another, keep the rest.
    [InlineData("""{"metadata":{"labels":{"a":"1","b":"2"}}}""", """{"metadata":{"labels":{"b":null,"c":"3"}}}""",
        """{"metadata":{"labels":{"a":"1","c":"3"}}}""")]
    // Like evanphx/json-patch, nulls inside objects of an added array are dropped.
    [InlineData("""{}""", """{"list":[{"x":null,"y":1}]}""", """{"list":[{"y":1}]}""")]
    public void Applies_rfc7386_cases(string target, string patch, string expected) =>
        MergePatch.Apply(Parse(target), Parse(patch)).ShouldEqualJson(expected);

    [Theory]
    [InlineData("null")]
    [InlineData("5")]
    [InlineData("\"text\"")]
    public void Null_or_scalar_patch_is_400_invalid_json_patch(string patch)
    {
        var act = () => MergePatch.Apply(Parse("{}"), JsonNodeOrNull(patch));
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(400);
        ex.Message.Should().Be("Invalid JSON Patch");
    }

    [Fact]
    public void Target_is_not_modified()
    {
        var target = Parse("""{"a":{"b":1}}""");
        MergePatch.Apply(target, Parse("""{"a":{"b":2}}"""));
        target.ShouldEqualJson("""{"a":{"b":1}}""");
    }

    private static System.Text.Json.Nodes.JsonNode JsonNodeOrNull(string json) =>
        System.Text.Json.Nodes.JsonNode.Parse(json) ?? null!;
}
