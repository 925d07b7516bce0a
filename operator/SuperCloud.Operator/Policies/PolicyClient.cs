namespace SuperCloud.Operator.Policies;

/// <summary>One client location of a SuperPod: its region, its weight, and the UTC hours in which it is active (always when null).</summary>
/// <param name="Region">The region, matched against the clusters' latency tables.</param>
/// <param name="Weight">Relative share of the traffic while active.</param>
/// <param name="ActiveFromHourUtc">First active UTC hour, or null for all day.</param>
/// <param name="ActiveToHourUtc">First inactive UTC hour after <paramref name="ActiveFromHourUtc"/> (wraps midnight).</param>
public sealed record PolicyClient(string Region, double Weight, int? ActiveFromHourUtc = null, int? ActiveToHourUtc = null)
{
    /// <summary>The location's weight at <paramref name="hourUtc"/>: its weight while active, 0 otherwise.</summary>
    public double WeightAt(int hourUtc)
    {
        if (ActiveFromHourUtc is not { } from || ActiveToHourUtc is not { } to || from == to)
        {
            return Weight;
        }

        var active = from < to ? hourUtc >= from && hourUtc < to : hourUtc >= from || hourUtc < to;
        return active ? Weight : 0;
    }
}
