using System.Globalization;
using System.Text.RegularExpressions;

namespace SuperCloud.Lab.Hosts;

/// <summary>A bandwidth in tc's notation (<c>100mbit</c>, <c>1gbit</c>, <c>500kbit</c>, <c>10mbps</c> = 10 MB/s), with the token-bucket burst that suits it.</summary>
/// <param name="Text">The rate as given, passed to tc unchanged.</param>
/// <param name="BytesPerSecond">The rate in bytes per second.</param>
public sealed partial record LinkRate(string Text, double BytesPerSecond)
{
    /// <summary>Parses <c>--rate</c>; throws <see cref="LabUsageException"/> naming the flag and value.</summary>
    public static LinkRate Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var match = Rate().Match(value);
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            throw new LabUsageException($"--rate \"{value}\": must be a positive rate in tc's units: bit, kbit, mbit, gbit (bits per second) or bps, kbps, mbps, gbps (bytes per second), e.g. 100mbit");
        }

        // tc's units: k, m, g are powers of 1000; "bit" counts bits, "bps" bytes.
        var unit = match.Groups[2].Value;
        var scale = unit[0] switch { 'k' => 1e3, 'm' => 1e6, 'g' => 1e9, _ => 1.0 };
        var bytes = unit.EndsWith("bps", StringComparison.Ordinal) ? amount * scale : amount * scale / 8;
        if (bytes < 1000)
        {
            throw new LabUsageException($"--rate \"{value}\": must be at least 8kbit");
        }

        return new LinkRate(value, bytes);
    }

    /// <summary>
    /// Bucket size in bytes: 10 ms of traffic, at least 16 KiB. A bucket smaller than one timer tick's worth (rate/HZ)
    /// cannot reach the rate; a much larger one lets bursts through unshaped.
    /// </summary>
    public long BurstBytes => Math.Max(16 * 1024, (long)(BytesPerSecond / 100));

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$")]
    private static partial Regex Rate();
}
