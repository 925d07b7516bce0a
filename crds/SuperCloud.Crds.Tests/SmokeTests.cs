namespace SuperCloud.Crds.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Runs() => (1 + 1).Should().Be(2);
}
