using System.Globalization;
using System.IO.Compression;

namespace SuperCloud.Bench.SpotReplay;

/// <summary>
/// An hourly spot price trace in SpotLake's CSV format (<c>Time,InstanceType,Region,AZ,SPS,IF,OndemandPrice,SpotPrice,Savings</c>),
/// plain or gzipped. A <c>SpotPrice</c> of -1 (or a missing row) leaves the hour unpublished: the market bills its last
/// price but is not offered as a target that hour.
/// </summary>
internal sealed class SpotTrace
{
    // vCPUs and GiB of the instance types the trace covers; a row of another type is refused, naming it.
    private static readonly Dictionary<string, (int Vcpus, double MemoryGiB)> Shapes = new(StringComparer.Ordinal)
    {
        ["c5.large"] = (2, 4), ["m5.large"] = (2, 8), ["r5.large"] = (2, 16), ["t3.medium"] = (2, 4),
        ["c5.xlarge"] = (4, 8), ["m5.xlarge"] = (4, 16), ["r5.xlarge"] = (4, 32), ["t3.large"] = (2, 8),
    };

    private SpotTrace(DateTime start, int hours, IReadOnlyList<SpotMarket> markets, int missing)
    {
        Start = start;
        Hours = hours;
        Markets = markets;
        MissingPrices = missing;
    }

    public DateTime Start { get; }

    public int Hours { get; }

    public IReadOnlyList<SpotMarket> Markets { get; }

    /// <summary>Rows whose spot price was -1.</summary>
    public int MissingPrices { get; }

    public static SpotTrace Load(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        var header = reader.ReadLine()?.Split(',') ?? throw new FormatException($"{path}: empty");
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new FormatException($"{path}: no column {name}");
        var (time, type, region, zone, band, onDemand, spot) = (Column("Time"), Column("InstanceType"), Column("Region"), Column("AZ"), Column("IF"), Column("OndemandPrice"), Column("SpotPrice"));

        var rows = new List<(DateTime Time, string[] Fields)>();
        var line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            var fields = text.Split(',');
            if (fields.Length != header.Length)
            {
                throw new FormatException($"{path}:{line}: {fields.Length} fields, the header has {header.Length}");
            }

            rows.Add((DateTime.SpecifyKind(DateTime.Parse(fields[time], CultureInfo.InvariantCulture), DateTimeKind.Utc), fields));
        }

        if (rows.Count == 0)
        {
            throw new FormatException($"{path}: no rows");
        }

        var start = rows.Min(r => r.Time);
        var hours = (int)(rows.Max(r => r.Time) - start).TotalHours + 1;
        var markets = new Dictionary<string, SpotMarket>(StringComparer.Ordinal);
        var missing = 0;
        foreach (var (at, f) in rows)
        {
            var key = $"{f[type]}.{f[zone]}";
            if (!markets.TryGetValue(key, out var market))
            {
                if (!Shapes.TryGetValue(f[type], out var shape))
                {
                    throw new FormatException($"{path}: instance type {f[type]} has no known shape (vCPUs, memory)");
                }

                market = new SpotMarket(f[type], f[region], f[zone], shape.Vcpus, shape.MemoryGiB, Price(f[onDemand], path, "OndemandPrice"), hours);
                markets[key] = market;
            }

            var hour = (int)(at - start).TotalHours;
            var price = Price(f[spot], path, "SpotPrice", allowMissing: true);
            if (price < 0)
            {
                missing++;
            }
            else
            {
                market.Spot[hour] = price;
            }

            market.Band[hour] = double.TryParse(f[band], CultureInfo.InvariantCulture, out var b) ? b : 3.0;
            market.OnDemand = Price(f[onDemand], path, "OndemandPrice");
        }

        return new SpotTrace(start, hours, markets.Values.OrderBy(m => m.Name, StringComparer.Ordinal).ToList(), missing);
    }

    private static double Price(string text, string path, string column, bool allowMissing = false)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var price) || (price < 0 && !(allowMissing && price == -1)))
        {
            throw new FormatException($"{path}: {column} '{text}' is not a price");
        }

        return price;
    }
}
