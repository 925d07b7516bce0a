using System.Globalization;

namespace SuperCloud.NodeAgent.Hypervisor.Xen;

/// <summary>Maps xl's domain state flags to agent states and parses <c>xl list</c> output.</summary>
public static class XenState
{
    /// <summary>
    /// Maps the six flags of <c>xl list</c> (r running, b blocked, p paused, s shutdown, c crashed, d dying) to an agent state.
    /// A blocked or flagless domain is a running guest that is idle.
    /// </summary>
    public static VmState Map(string flags)
    {
        ArgumentNullException.ThrowIfNull(flags);
        if (flags.Length != 6 || flags.Any(c => c != '-' && !"rbpscd".Contains(c, StringComparison.Ordinal)))
        {
            return VmState.Unknown;
        }

        return flags switch
        {
            _ when flags.Contains('c', StringComparison.Ordinal) => VmState.Crashed,
            _ when flags.Contains('s', StringComparison.Ordinal) || flags.Contains('d', StringComparison.Ordinal) => VmState.Stopped,
            _ when flags.Contains('p', StringComparison.Ordinal) => VmState.Paused,
            _ => VmState.Running,
        };
    }

    /// <summary>Parses <c>xl list</c> output (header line, then one domain per line); unparseable lines are rejected loudly.</summary>
    public static IReadOnlyList<XenDomain> ParseList(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var domains = new List<XenDomain>();
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var line in lines.Skip(1))
        {
            // Name may contain no spaces (xl forbids them), so whitespace splitting is safe: Name ID Mem VCPUs State Time(s).
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6
                || !int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                || !long.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out var mem)
                || !int.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var vcpus))
            {
                throw new FormatException($"unexpected 'xl list' line: '{line}'");
            }

            domains.Add(new XenDomain(f[0], id, mem, vcpus, f[4], Map(f[4])));
        }

        return domains;
    }
}
