using System.Globalization;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Policies;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Bench.SpotReplay;

/// <summary>
/// Follow the sun over one day: a SuperPod whose clients work office hours in Tokyo, Mumbai, Frankfurt and N. Virginia,
/// moved each hour by the operator's <see cref="PolicyEngine"/> (client-weighted RTT from the measured inter-region
/// matrix), against the one region with the lowest traffic-weighted RTT over the day.
/// </summary>
internal static class SunReplay
{
    private static readonly Dictionary<string, string> Regions = new(StringComparer.Ordinal)
    {
        ["Seoul"] = "ap-northeast-2", ["Tokyo"] = "ap-northeast-1", ["Hong Kong"] = "ap-east-1", ["Osaka"] = "ap-northeast-3",
        ["Singapore"] = "ap-southeast-1", ["Sydney"] = "ap-southeast-2", ["Mumbai"] = "ap-south-1", ["Frankfurt"] = "eu-central-1",
        ["London"] = "eu-west-2", ["Ireland"] = "eu-west-1", ["Stockholm"] = "eu-north-1", ["Paris"] = "eu-west-3",
        ["N. California"] = "us-west-1", ["N. Virginia"] = "us-east-1", ["Ohio"] = "us-east-2", ["Oregon"] = "us-west-2",
        ["Central"] = "ca-central-1", ["São Paulo"] = "sa-east-1",
    };

    /// <summary>Office hours 09:00–18:00 local, in UTC.</summary>
    public static readonly PolicyClient[] Clients =
    [
        new("ap-northeast-1", 1, 0, 9),
        new("ap-south-1", 1, 4, 13),
        new("eu-central-1", 1, 8, 17),
        new("us-east-1", 1, 14, 23),
    ];

    public static SunResult Run(string rttCsv)
    {
        var rtt = Load(rttCsv);
        var clusters = Regions.Values.Select(region => new PolicyCluster(
            region, CloudProvider.Aws, region, new UnitPrices(0.05m, 0), new UnitPrices(0.1m, 0), TimeSpan.FromHours(1),
            Clients.ToDictionary(c => c.Region, c => (int)Math.Round(rtt[(region, c.Region)]), StringComparer.Ordinal))).ToList();
        var nodes = clusters.Select(c => new PolicyNode($"{c.Name}-1", c.Name, Spot: false, Schedulable: true, 64_000, 256L << 30)).ToList();
        var rules = new PolicyRules("sun", null, SpotInterruption: true, PreferOnDemand: false, new SunRule(null, 0.2), TimeSpan.FromMinutes(10), 24);
        var costs = new MigrationCostModel(125e6, 1.3, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10));
        var day = new DateTime(2024, 4, 19, 0, 0, 0, DateTimeKind.Utc);

        double Traffic(int hour) => Clients.Sum(c => c.WeightAt(hour));
        double? Rtt(PolicyCluster cluster, int hour) => PolicyEngine.WeightedRtt(cluster, Clients, hour);
        var active = Enumerable.Range(0, 24).Where(h => Traffic(h) > 0).ToList();
        var best = clusters.MinBy(c => active.Sum(h => Traffic(h) * Rtt(c, h)!.Value))!;

        var here = best;
        var history = new List<PastMigration>();
        var sun = new double[24];
        var placed = new string[24];
        var moves = 0;
        for (var hour = 0; hour < 24; hour++)
        {
            var now = day.AddHours(hour).AddMinutes(1);
            var pod = new PolicyPod("clients/app", 1000, 1L << 30, 0, $"{here.Name}-1", day, rules, Clients: Clients);
            var plan = PolicyEngine.Plan(new PolicyWorld(now, [pod], clusters, nodes, history, costs, 5, 2, new Dictionary<string, int>()));
            if (plan.Decisions is [var move, ..])
            {
                history.Add(new PastMigration(pod.Key, MigrationReason.FollowTheSun, rules.Name, now, here.Name, move.TargetCluster));
                here = clusters.First(c => c.Name == move.TargetCluster);
                moves++;
            }

            sun[hour] = Rtt(here, hour) ?? double.NaN;
            placed[hour] = here.Region;
        }

        var stat = Enumerable.Range(0, 24).Select(h => Rtt(best, h) ?? double.NaN).ToArray();
        double Weighted(double[] series) => active.Sum(h => Traffic(h) * series[h]) / active.Sum(Traffic);
        return new SunResult(sun, stat, placed, best.Region, Weighted(sun), Weighted(stat), moves);
    }

    private static Dictionary<(string, string), double> Load(string path)
    {
        var table = new Dictionary<(string, string), double>();
        foreach (var line in File.ReadLines(path).Skip(1).Where(l => l.Length > 0))
        {
            var f = line.Split(',');
            if (f.Length < 3 || !Regions.TryGetValue(f[0], out var from) || !Regions.TryGetValue(f[1], out var to))
            {
                throw new FormatException($"{path}: '{line}' is not src,dst,mean with known cities");
            }

            table[(from, to)] = double.Parse(f[2], CultureInfo.InvariantCulture);
        }

        return table;
    }
}
