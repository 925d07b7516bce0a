namespace SuperCloud.Bench.SpotReplay;

/// <summary>Client-weighted RTT of each UTC hour following the sun and in the best static region, and their traffic-weighted means.</summary>
internal sealed record SunResult(double[] Following, double[] Static, string[] Placement, string StaticRegion, double FollowingMeanMs, double StaticMeanMs, int Moves)
{
    public double Reduction => 1 - (FollowingMeanMs / StaticMeanMs);
}
