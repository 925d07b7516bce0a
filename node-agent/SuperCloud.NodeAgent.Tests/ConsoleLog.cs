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

    /// <summary>Where the line <c>HEARTBEAT n</c> with n ≥ <paramref name="beat"/> starts first, or null.</summary>
    public static int? HeartbeatAt(string console, long beat) =>
        HeartbeatPattern().Matches(console).FirstOrDefault(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= beat)?.Index;

    public static bool HasMemcheckOk(string console) => MemcheckOkPattern().IsMatch(console);

    public static bool HasMemcheckCorrupt(string console) => console.Contains("MEMCHECK CORRUPT", StringComparison.Ordinal);

    /// <summary>The <c>gen=</c> of every <c>MEMCHECK OK</c> line, in order.</summary>
    public static IReadOnlyList<long> MemcheckOkGenerations(string console) =>
        MemcheckOkPattern().Matches(console).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();

    /// <summary>The page indexes of every <c>MEMCHECK CORRUPT</c> line, in order.</summary>
    public static IReadOnlyList<long> CorruptPages(string console) =>
        CorruptPattern().Matches(console).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();

    /// <summary>The <c>gen=</c> of every <c>DISKCHECK OK</c> line, in order.</summary>
    public static IReadOnlyList<long> DiskcheckOkGenerations(string console) =>
        DiskcheckOkPattern().Matches(console).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();

    /// <summary>Whether the disk checker saw a bad block or an I/O error.</summary>
    public static bool HasDiskcheckFailure(string console) =>
        console.Contains("DISKCHECK CORRUPT", StringComparison.Ordinal) || console.Contains("DISKCHECK IOERROR", StringComparison.Ordinal)
        || console.Contains("DISKCHECK NODISK", StringComparison.Ordinal);

    [GeneratedRegex(@"^DISKCHECK OK gen=(\d+)( |\r?$)", RegexOptions.Multiline)]
    private static partial Regex DiskcheckOkPattern();

    [GeneratedRegex(@"^HEARTBEAT (\d+)\r?$", RegexOptions.Multiline)]
    private static partial Regex HeartbeatPattern();

    [GeneratedRegex(@"^MEMCHECK OK gen=(\d+)( |\r?$)", RegexOptions.Multiline)]
    private static partial Regex MemcheckOkPattern();

    [GeneratedRegex(@"^MEMCHECK CORRUPT page=(\d+) ", RegexOptions.Multiline)]
    private static partial Regex CorruptPattern();
}
