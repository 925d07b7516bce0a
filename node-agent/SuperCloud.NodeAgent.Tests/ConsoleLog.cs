using System.Globalization;
using System.Text.RegularExpressions;

namespace SuperCloud.NodeAgent.Tests;

/// <summary>Reads what the guest checker printed.</summary>
internal static partial class ConsoleLog
{
    public static long? LastHeartbeat(string console)
    {
        var matches = HeartbeatPattern().Matches(console);
        return matches.Count == 0 ? null : long.Parse(matches[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    public static bool HasMemcheckOk(string console) => console.Contains("MEMCHECK OK ", StringComparison.Ordinal);

    public static bool HasMemcheckFail(string console) => console.Contains("MEMCHECK FAIL", StringComparison.Ordinal);

    [GeneratedRegex(@"^HEARTBEAT (\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex HeartbeatPattern();
}
