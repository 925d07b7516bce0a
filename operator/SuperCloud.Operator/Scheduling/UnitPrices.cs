using System.Globalization;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Scheduling;

/// <summary>Parsed prices per vCPU-hour and per GiB-hour of one purchase option.</summary>
/// <param name="PerVcpuHour">Price of one vCPU for one hour.</param>
/// <param name="PerGiBHour">Price of one GiB of memory for one hour.</param>
public sealed record UnitPrices(decimal PerVcpuHour, decimal PerGiBHour)
{
    /// <summary>
    /// The price per hour of the share of a node a SuperPod uses: <c>cpu(vCPUs) × perVcpuHour + memory(GiB) × perGiBHour</c>.
    /// Because clouds bill whole instances, this is the pod's pro-rata share of its node's price, not a marginal cost.
    /// </summary>
    public decimal ShareCost(long milliCpu, long memoryBytes) =>
        (milliCpu / 1000m * PerVcpuHour) + (memoryBytes / (decimal)(1L << 30) * PerGiBHour);

    /// <summary>Parses the decimal strings of <paramref name="rates"/>; <paramref name="field"/> names them in errors.</summary>
    public static UnitPrices Parse(PriceRates rates, string field)
    {
        ArgumentNullException.ThrowIfNull(rates);
        return new UnitPrices(ParsePrice(rates.PerVcpuHour, field + ".perVcpuHour"), ParsePrice(rates.PerGiBHour, field + ".perGiBHour"));
    }

    /// <summary>Parses one non-negative decimal price string.</summary>
    public static decimal ParsePrice(string? value, string field)
    {
        if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price) || price < 0)
        {
            throw new ArgumentException($"{field}: '{value}' is not a non-negative decimal price", field);
        }

        return price;
    }
}
