using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Runtime;

public sealed class ObjectKeyTests
{
    [Theory]
    [InlineData("ns/name", "ns", "name")]
    [InlineData("node-1", null, "node-1")]
    public void Parse_round_trips_with_ToString(string text, string? ns, string name)
    {
        var key = ObjectKey.Parse(text);

        key.Should().Be(new ObjectKey(ns, name));
        key.ToString().Should().Be(text);
    }

    [Theory]
    [InlineData("/name")]
    [InlineData("ns/")]
    [InlineData("a/b/c")]
    public void Malformed_keys_are_rejected_naming_the_value(string text)
    {
        var act = () => ObjectKey.Parse(text);

        act.Should().Throw<FormatException>().WithMessage($"*'{text}'*");
    }
}
