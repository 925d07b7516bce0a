using System.Globalization;

namespace SuperCloud.Kubectl.Output;

/// <summary>How amounts read: bytes in binary units, prices with their currency, savings in percent.</summary>
internal static class Units
{
    public static string Bytes(long? bytes)
    {
        if (bytes is not { } value)
        {
            return "-";
        }

        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double amount = value;
        var unit = 0;
        while (amount >= 1024 && unit < units.Length - 1)
        {
            amount /= 1024;
            unit++;
        }

        return unit == 0 ? string.Create(CultureInfo.InvariantCulture, $"{value} B") : string.Create(CultureInfo.InvariantCulture, $"{amount:0.0} {units[unit]}");
    }

    public static decimal? Amount(string? text) =>
        decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? value : null;

    public static string Money(decimal? amount, string? currency) =>
        amount is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value:0.0000} {currency ?? "USD"}") : "-";

    /// <summary>How much less than on-demand was paid, in percent of on-demand; "-" without both amounts.</summary>
    public static string Saving(decimal? paid, decimal? onDemand) =>
        paid is { } p && onDemand is { } o && o > 0 ? string.Create(CultureInfo.InvariantCulture, $"{(o - p) / o * 100:0.0}%") : "-";
}
