namespace SuperCloud.Bench.SpotReplay;

/// <summary>Uniform draws keyed by (seed, stream, VM, hour), so every strategy sees the same draw for the same VM-hour (common random numbers).</summary>
internal sealed class ReplayRandom(ulong seed)
{
    public double Uniform(int stream, int vm, int hour)
    {
        var x = seed ^ ((ulong)stream * 0x9E3779B97F4A7C15UL) ^ ((ulong)vm * 0xBF58476D1CE4E5B9UL) ^ ((ulong)hour * 0x94D049BB133111EBUL);
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (x >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>A log-normal factor with median 1 and the given sigma.</summary>
    public double LogNormal(int stream, int vm, int hour, double sigma)
    {
        var u1 = Math.Max(Uniform(stream, vm, hour), 1e-12);
        var u2 = Uniform(stream + 1, vm, hour);
        return Math.Exp(sigma * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
