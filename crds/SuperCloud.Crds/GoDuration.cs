using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SuperCloud.Crds;

/// <summary>Go-style durations as the API writes them (metav1.Duration): <c>300ms</c>, <c>1m30s</c>, <c>4.2s</c>.</summary>
public static partial class GoDuration
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> naming <paramref name="field"/> when it is not a duration.</summary>
    public static TimeSpan Parse(string text, string field)
    {
        ArgumentNullException.ThrowIfNull(text);
        var matches = Part().Matches(text);
        if (matches.Count == 0 || matches.Sum(m => m.Length) != text.Length)
        {
            throw new FormatException($"{field}: \"{text}\" is not a duration like 300ms, 30s or 1h30m");
        }

        double ticks = 0;
        foreach (Match m in matches)
        {
            var value = double.Parse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            ticks += value * m.Groups[3].Value switch
            {
                "ns" => TimeSpan.TicksPerMicrosecond / 1000.0,
                "us" => TimeSpan.TicksPerMicrosecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                _ => TimeSpan.TicksPerHour,
            };
        }

        return ticks > TimeSpan.MaxValue.Ticks ? throw new FormatException($"{field}: \"{text}\" is too long") : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Writes <paramref name="duration"/> the way people read it: <c>87ms</c> below a second, <c>4.2s</c> below a minute, else <c>2m5s</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            duration = TimeSpan.Zero;
        }

        if (duration < TimeSpan.FromSeconds(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{Math.Round(duration.TotalMilliseconds)}ms");
        }

        if (duration < TimeSpan.FromMinutes(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{Math.Round(duration.TotalSeconds, 1)}s");
        }

        var text = new StringBuilder();
        if (duration.TotalHours >= 1)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(long)duration.TotalHours}h");
        }

        text.Append(CultureInfo.InvariantCulture, $"{duration.Minutes}m{duration.Seconds}s");
        return text.ToString();
    }

    [GeneratedRegex(@"([0-9]+(\.[0-9]+)?)(ns|us|ms|s|m|h)")]
    private static partial Regex Part();
}
