using System.Globalization;
using System.Text.RegularExpressions;

namespace SuperCloud.Lab.Hosts;

/// <summary>Durations on the lab's command line, written like Go's and kubectl's: <c>500ms</c>, <c>10s</c>, <c>2m</c>, <c>1m30s</c>, <c>1h</c>.</summary>
public static partial class LabDuration
{
    /// <summary>Parses <paramref name="value"/> of <paramref name="flag"/>; throws <see cref="LabUsageException"/> naming both.</summary>
    public static TimeSpan Parse(string flag, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var match = Duration().Match(value);
        if (match.Success && value.Length > 0)
        {
            var total = TimeSpan.Zero;
            foreach (Capture part in match.Groups["part"].Captures)
            {
                var unitAt = part.Value.TakeWhile(char.IsAsciiDigit).Count();
                var amount = long.Parse(part.Value[..unitAt], CultureInfo.InvariantCulture);
                total += part.Value[unitAt..] switch
                {
                    "ms" => TimeSpan.FromMilliseconds(amount),
                    "s" => TimeSpan.FromSeconds(amount),
                    "m" => TimeSpan.FromMinutes(amount),
                    _ => TimeSpan.FromHours(amount),
                };
            }

            if (total > TimeSpan.Zero && total <= TimeSpan.FromDays(1))
            {
                return total;
            }
        }

        throw new LabUsageException($"{flag} \"{value}\": must be a positive duration of at most 24h like 500ms, 10s, 2m or 1m30s");
    }

    [GeneratedRegex("^(?<part>[0-9]{1,9}(ms|s|m|h))+$")]
    private static partial Regex Duration();
}
