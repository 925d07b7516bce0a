using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class JsonPatchTests
{
    [Theory]
    // RFC 6902 appendix A examples.
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux"}]""", """{"baz":"qux","foo":"bar"}""")]
    [InlineData("""{"foo":["bar","baz"]}""", """[{"op":"add","path":"/foo/1","value":"qux"}]""", """{"foo":["bar","qux","baz"]}""")]
    [InlineData("""{"baz":"qux","foo":"bar"}""", """[{"op":"remove","path":"/baz"}]""", """{"foo":"bar"}""")]
    [InlineData("""{"foo":["bar","qux","baz"]}""", """[{"op":"remove","path":"/foo/1"}]""", """{"foo":["bar","baz"]}""")]
    [InlineData("""{"baz":"qux","foo":"bar"}""", """[{"op":"replace","path":"/baz","value":"boo"}]""", """{"baz":"boo","foo":"bar"}""")]
    [InlineData("""{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}""", """[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]""",
        """{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}""")]
    [InlineData("""{"foo":["all","grass","cows","eat"]}""", """[{"op":"move","from":"/foo/1","path":"/foo/3"}]""", """{"foo":["all","cows","eat","grass"]}""")]
    [InlineData("""{"baz":"qux","foo":["a",2,"c"]}""", """[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]""",
        """{"baz":"qux","foo":["a",2,"c"]}""")]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/child","value":{"grandchild":{}}}]""", """{"foo":"bar","child":{"grandchild":{}}}""")]
    [InlineData("""{"foo":["bar"]}""", """[{"op":"add","path":"/foo/-","value":["abc","def"]}]""", """{"foo":["bar",["abc","def"]]}""")]
    // Pointer escaping: ~1 is "/", ~0 is "~".
    [InlineData("""{"a/b":1,"m~n":2}""", """[{"op":"replace","path":"/a~1b","value":3},{"op":"remove","path":"/m~0n"}]""", """{"a/b":3}""")]
    [InlineData("""{"metadata":{"annotations":{"example.com/x":"1"}}}""", """[{"op":"add","path":"/metadata/annotations/example.com~1y","value":"2"}]""",
        """{"metadata":{"annotations":{"example.com/x":"1","example.com/y":"2"}}}""")]
    // Numbers compare by value in test; add replaces an existing member; copy deep-copies.
    [InlineData("""{"n":1}""", """[{"op":"test","path":"/n","value":1.0}]""", """{"n":1}""")]
    [InlineData("""{"a":1}""", """[{"op":"add","path":"/a","value":2}]""", """{"a":2}""")]
    [InlineData("""{"a":{"b":1}}""", """[{"op":"copy","from":"/a","path":"/c"},{"op":"replace","path":"/c/b","value":2}]""", """{"a":{"b":1},"c":{"b":2}}""")]
    [InlineData("""{"list":[1,2]}""", """[{"op":"add","path":"/list/2","value":3}]""", """{"list":[1,2,3]}""")]
    [InlineData("""{"a":1}""", """[{"op":"replace","path":"","value":{"b":2}}]""", """{"b":2}""")]
    [InlineData("""{"a":1}""", """[]""", """{"a":1}""")]
    public void Applies_rfc6902_operations(string doc, string patch, string expected) =>
        JsonPatch.Apply(Parse(doc), Parse(patch)).ShouldEqualJson(expected);

    [Theory]
    [InlineData("""{"baz":"qux"}""", """[{"op":"test","path":"/baz","value":"bar"}]""")]
    [InlineData("""{"foo":"bar"}""", """[{"op":"add","path":"/baz/bat","value":"qux"}]""")]
    [InlineData("""{"foo":"bar"}""", """[{"op":"remove","path":"/missing"}]""")]
    [InlineData("""{"foo":"bar"}""", """[{"op":"replace","path":"/missing","value":1}]""")]
    [InlineData("""{"list":[1]}""", """[{"op":"add","path":"/list/5","value":1}]""")]
    [InlineData("""{"list":[1]}""", """[{"op":"add","path":"/list/01","value":1}]""")]
    [InlineData("""{"a":{"b":1}}""", """[{"op":"move","from":"/a","path":"/a/b/c"}]""")]
    [InlineData("""{"a":1}""", """[{"op":"frobnicate","path":"/a"}]""")]
    [InlineData("""{"a":1}""", """[{"op":"add","value":1}]""")]
    [InlineData("""{"a":1}""", """[{"op":"copy","from":"/nope","path":"/b"}]""")]
    [InlineData("""{"a":1}""", """[{"op":"test","path":"/b/c","value":null}]""")]
    public void Operation_that_does_not_apply_is_422_with_kubes_generic_message(string doc, string patch)
    {
        var act = () => JsonPatch.Apply(Parse(doc), Parse(patch));
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(422);
        ex.Reason.Should().Be("Invalid");
        ex.Message.Should().Be("the server rejected our request due to an error in our request");
        ex.Causes.Should().BeEmpty();
        ex.Data[PatchErrors.DetailKey].Should().NotBeNull();
    }

    [Fact]
    public void Failed_test_keeps_the_precise_reason_for_logs()
    {
        var act = () => JsonPatch.Apply(Parse("""{"metadata":{"resourceVersion":"5"}}"""),
            Parse("""[{"op":"test","path":"/metadata/resourceVersion","value":"4"}]"""));
        act.Should().Throw<StatusException>().Which.Data[PatchErrors.DetailKey]
            .Should().Be("testing value /metadata/resourceVersion failed: test failed");
    }

    [Fact]
    public void Failing_operation_leaves_the_target_untouched()
    {
        var doc = Parse("""{"a":1}""");
        var act = () => JsonPatch.Apply(doc, Parse("""[{"op":"replace","path":"/a","value":2},{"op":"test","path":"/a","value":3}]"""));
        act.Should().Throw<StatusException>();
        doc.ShouldEqualJson("""{"a":1}""");
    }

    [Theory]
    [InlineData("""{"op":"add","path":"/a","value":1}""", "json: cannot unmarshal object into Go value of type jsonpatch.Patch")]
    [InlineData("""["add"]""", "json: cannot unmarshal string into Go value of type jsonpatch.Operation")]
    public void Malformed_patch_body_is_400(string patch, string message)
    {
        var act = () => JsonPatch.Apply(Parse("{}"), Parse(patch));
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(400);
        ex.Reason.Should().Be("BadRequest");
        ex.Message.Should().Be(message);
    }

    [Fact]
    public void More_than_ten_thousand_operations_is_413()
    {
        var ops = string.Join(",", Enumerable.Repeat("""{"op":"test","path":"/a","value":1}""", JsonPatch.MaxOperations + 1));
        var act = () => JsonPatch.Apply(Parse("""{"a":1}"""), Parse($"[{ops}]"));
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(413);
        ex.Message.Should().Be("The allowed maximum operations in a JSON patch is 10000, got 10001");
    }

    [Fact]
    public void Test_of_a_missing_member_against_null_passes_as_in_kube()
    {
        JsonPatch.Apply(Parse("""{"a":1}"""), Parse("""[{"op":"test","path":"/b","value":null}]""")).ShouldEqualJson("""{"a":1}""");
    }
}
