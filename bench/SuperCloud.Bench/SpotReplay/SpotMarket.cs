namespace SuperCloud.Bench.SpotReplay;

/// <summary>One spot market of the trace: an instance type in one availability zone, with its hourly prices and interruption bands.</summary>
internal sealed class SpotMarket(string type, string region, string zone, int vcpus, double memoryGiB, double onDemand, int hours)
{
    public string Type { get; } = type;

    public string Region { get; } = region;

    public string Zone { get; } = zone;

    public string Name => $"{Type}.{Zone}";

    public int Vcpus { get; } = vcpus;

    public double MemoryGiB { get; } = memoryGiB;

    public double OnDemand { get; set; } = onDemand;

    /// <summary>The published spot price of each hour, NaN where the trace has none (-1 or no row).</summary>
    public double[] Spot { get; } = Enumerable.Repeat(double.NaN, hours).ToArray();

    /// <summary>The Spot Advisor interruption band of each hour (3.0 = under 5 % a month … 1.0 = over 20 %).</summary>
    public double[] Band { get; } = Enumerable.Repeat(3.0, hours).ToArray();

    /// <summary>The price billed in <paramref name="hour"/>: the published one, else the last published before it, else the first after it.</summary>
    public double Billed(int hour)
    {
        for (var h = hour; h >= 0; h--)
        {
            if (!double.IsNaN(Spot[h]))
            {
                return Spot[h];
            }
        }

        return Spot.FirstOrDefault(p => !double.IsNaN(p), OnDemand);
    }

    /// <summary>True when the market published a price in <paramref name="hour"/>: only then is it offered as a target.</summary>
    public bool Published(int hour) => !double.IsNaN(Spot[hour]);
}
