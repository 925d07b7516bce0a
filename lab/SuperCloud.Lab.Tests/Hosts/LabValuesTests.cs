using SuperCloud.Lab.Hosts;

namespace SuperCloud.Lab.Tests.Hosts;

public sealed class LabValuesTests
{
    [Theory]
    [InlineData("100mbit", 12_500_000)]
    [InlineData("1gbit", 125_000_000)]
    [InlineData("500kbit", 62_500)]
    [InlineData("10mbps", 10_000_000)]
    [InlineData("2.5mbit", 312_500)]
    public void Rates_use_tcs_units(string value, double bytesPerSecond)
    {
        var rate = LinkRate.Parse(value);

        rate.BytesPerSecond.Should().Be(bytesPerSecond);
        rate.BurstBytes.Should().BeGreaterThanOrEqualTo(16 * 1024).And.BeGreaterThanOrEqualTo((long)(bytesPerSecond / 100));
    }

    [Theory]
    [InlineData("100")]
    [InlineData("fast")]
    [InlineData("0mbit")]
    [InlineData("100Mbit")]
    [InlineData("1kbit")]
    public void Bad_rates_are_rejected_naming_the_flag(string value)
    {
        var parse = () => LinkRate.Parse(value);

        parse.Should().Throw<LabUsageException>().WithMessage($"--rate \"{value}\": *");
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h", 3_600_000)]
    public void Durations_are_written_like_kubectls(string value, int milliseconds)
    {
        LabDuration.Parse("--lease-duration", value).Should().Be(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData("10")]
    [InlineData("0s")]
    [InlineData("-5s")]
    [InlineData("25h")]
    [InlineData("")]
    public void Bad_durations_are_rejected_naming_the_flag(string value)
    {
        var parse = () => LabDuration.Parse("--node-grace-period", value);

        parse.Should().Throw<LabUsageException>().WithMessage($"--node-grace-period \"{value}\": must be a positive duration*");
    }

    [Fact]
    public void Superclusters_have_provider_prices_and_latency_to_every_region_of_the_lab()
    {
        var topology = LabTopology.Create("abcdef", new LabSubnet(10, 100), CloudSpec.ParseList("aws-us-east-1:1,aws-eu-west-1:1,onprem:1"));

        var aws = SuperClusterManifest.Build(topology.Clouds[0], topology.Clouds);
        var onprem = SuperClusterManifest.Build(topology.Clouds[2], topology.Clouds);

        aws["spec"]!["provider"]!.GetValue<string>().Should().Be("aws");
        aws["spec"]!["region"]!.GetValue<string>().Should().Be("us-east-1");
        aws["spec"]!["pricing"]!["spot"].Should().NotBeNull("aws sells spot");
        onprem["spec"]!["pricing"]!["spot"].Should().BeNull("on premises has no spot market");
        aws["spec"]!["latency"]!.AsArray().Select(e => (e!["location"]!.GetValue<string>(), e["latencyMs"]!.GetValue<int>()))
            .Should().Equal(("us-east-1", 2), ("eu-west-1", 80), ("onprem", 40));
        SuperClusterManifest.LatencyMs("us-east-1", "us-west-2").Should().Be(20);
    }
}
