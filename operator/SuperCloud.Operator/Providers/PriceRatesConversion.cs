using System.Globalization;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Providers;

/// <summary>
/// Turns an instance's hourly price into SuperCloud's per-vCPU-hour and per-GiB-hour rates. The price is split between
/// the instance's vCPUs and GiB in the proportion of the cluster's own <c>spec.pricing</c> rates of the same capacity
/// type (GiB rate / vCPU rate), or 1:8 when the spec has none (one GiB costs an eighth of a vCPU, about EC2's
/// general-purpose pricing): perVcpu = price / (vCPUs + ratio × GiB), perGiB = ratio × perVcpu, so a SuperPod that
/// fills the instance costs exactly the instance's price.
/// </summary>
public static class PriceRatesConversion
{
    /// <summary>GiB-hour price over vCPU-hour price when the cluster's spec gives none.</summary>
    public const decimal DefaultGiBToVcpuRatio = 0.125m;

    /// <summary>The rates of <paramref name="price"/> for an instance of <paramref name="vcpus"/> vCPUs and <paramref name="memoryGiB"/> GiB.</summary>
    public static PriceRates ToRates(decimal price, int vcpus, decimal memoryGiB, PriceRates? proportion)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(price);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vcpus);
        ArgumentOutOfRangeException.ThrowIfNegative(memoryGiB);
        var ratio = Ratio(proportion);
        var perVcpu = price / (vcpus + (ratio * memoryGiB));
        return new PriceRates
        {
            PerVcpuHour = Format(perVcpu),
            PerGiBHour = Format(perVcpu * ratio),
        };
    }

    private static decimal Ratio(PriceRates? proportion)
    {
        if (proportion is not null
            && decimal.TryParse(proportion.PerVcpuHour, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cpu)
            && decimal.TryParse(proportion.PerGiBHour, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var gib)
            && cpu > 0 && gib >= 0)
        {
            return gib / cpu;
        }

        return DefaultGiBToVcpuRatio;
    }

    // Six decimals, as the API's price pattern allows: a micro-dollar per hour, well below any difference worth a migration.
    private static string Format(decimal value) => Math.Round(value, 6, MidpointRounding.AwayFromZero).ToString("0.######", CultureInfo.InvariantCulture);
}
