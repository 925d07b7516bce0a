namespace SuperCloud.Operator.Policies;

/// <summary>Follow the sun: a fixed UTC schedule of regions, or the SuperPod's client locations weighted by time of day.</summary>
/// <param name="Schedule">From each UTC hour on, the region to run in; null when client locations decide.</param>
/// <param name="MinGain">The least fractional drop of client-weighted RTT (0.2 = 20 %) worth a move.</param>
public sealed record SunRule(IReadOnlyList<SunStep>? Schedule, double MinGain)
{
    /// <summary>The region the schedule names for <paramref name="hourUtc"/>: the entry with the latest start at or before it, wrapping midnight.</summary>
    public string? RegionAt(int hourUtc)
    {
        if (Schedule is not { Count: > 0 } steps)
        {
            return null;
        }

        var ordered = steps.OrderBy(s => s.FromHourUtc).ToList();
        return (ordered.LastOrDefault(s => s.FromHourUtc <= hourUtc) ?? ordered[^1]).Region;
    }
}
