using System.Globalization;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Providers;

namespace SuperCloud.Operator.Tests.Providers;

public sealed class PriceRatesConversionTests
{
    [Fact]
    public void A_pod_that_fills_the_instance_costs_the_instance_price()
    {
        var rates = PriceRatesConversion.ToRates(0.0288m, 2, 8, null);

        var total = (2 * Parse(rates.PerVcpuHour)) + (8 * Parse(rates.PerGiBHour));
        total.Should().BeApproximately(0.0288m, 0.000005m);
        Parse(rates.PerGiBHour).Should().BeApproximately(Parse(rates.PerVcpuHour) / 8, 0.000001m);
    }

    [Fact]
    public void The_split_follows_the_proportion_of_the_cluster_spec_rates()
    {
        var rates = PriceRatesConversion.ToRates(0.096m, 2, 8, new PriceRates { PerVcpuHour = "0.04", PerGiBHour = "0.01" });

        rates.PerVcpuHour.Should().Be("0.024");
        rates.PerGiBHour.Should().Be("0.006");
    }

    [Fact]
    public void Known_instance_types_have_their_vcpus_and_memory_and_unknown_ones_none()
    {
        InstanceTypeCatalog.Lookup("m5.large").Should().Be((2, 8m));
        InstanceTypeCatalog.Lookup("r6i.2xlarge").Should().Be((8, 64m));
        InstanceTypeCatalog.Lookup("x9.huge").Should().BeNull();
    }

    private static decimal Parse(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);
}
