using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Bench.SpotReplay;

/// <summary>
/// <c>supercloud-bench spot-replay --prices FILE [--rtt FILE] [--out DIR] [--vms N] [--seed N] [--min-saving F] [--hazard-scale F] [--json]</c>:
/// replays the trace under the four strategies, prints a table, writes the two SVG charts, and with <c>--json</c> ends
/// with one JSON object of the figures.
/// </summary>
internal static class SpotReplayCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? prices = null;
        var rtt = Path.Combine(RepoPaths.Root, "bench", "data", "aws-inter-region-rtt-2024-04-19.csv");
        var outDir = Path.Combine(RepoPaths.Root, "bench", "results");
        var json = false;
        var options = new ReplayOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--prices": prices = Value(); break;
                    case "--rtt": rtt = Value(); break;
                    case "--out": outDir = Value(); break;
                    case "--json": json = true; break;
                    case "--vms": options = options with { Vms = PositiveInt(Value(), "--vms") }; break;
                    case "--seed": options = options with { Seed = ulong.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                    case "--min-saving": options = options with { MinSaving = double.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                    case "--hazard-scale": options = options with { HazardScale = double.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                error.WriteLine($"supercloud-bench spot-replay: {e.Message}");
                return 2;
            }
        }

        if (prices is null)
        {
            error.WriteLine("supercloud-bench spot-replay: --prices FILE is required (SpotLake hourly CSV, e.g. bench/data/aws-spot-2024-01-01_15-hourly.csv.gz)");
            return 2;
        }

        // dotnet run starts in the project's folder: a relative path is taken from the repository root when it is not found there.
        if (!Path.IsPathRooted(prices) && !File.Exists(prices) && File.Exists(Path.Combine(RepoPaths.Root, prices)))
        {
            prices = Path.Combine(RepoPaths.Root, prices);
        }

        SpotTrace trace;
        try
        {
            trace = SpotTrace.Load(prices);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            error.WriteLine($"supercloud-bench spot-replay: {e.Message}");
            return 1;
        }

        var calibration = ReplayCalibration.Lab;
        var run = new SpotReplayRun(trace, calibration, options);
        var started = DateTime.UtcNow;
        var superCloud = run.SuperCloud();
        var policySeconds = (DateTime.UtcNow - started).TotalSeconds;
        var onDemand = run.OnDemand();
        var kept = run.Restarting(replaceWithCheapest: false);
        var karpenter = run.Restarting(replaceWithCheapest: true);
        var sun = SunReplay.Run(rtt);
        var oracle = run.OracleCost();
        var bestOther = new[] { onDemand, kept, karpenter }.Min(s => s.CostUsd);

        var c = CultureInfo.InvariantCulture;
        var vmDays = options.Vms * trace.Hours / 24.0;
        output.WriteLine(string.Create(c, $"spot replay: {trace.Markets.Count} markets ({run.Markets.Count} fit {options.Vcpus} vCPU / {options.MemoryGiB} GiB), {trace.Hours} hours from {trace.Start:yyyy-MM-dd}, {trace.MissingPrices} missing prices, {options.Vms} VMs, seed {options.Seed}"));
        output.WriteLine(string.Create(c, $"on-demand baseline: {run.OnDemandMarket.Name} at {run.OnDemandMarket.OnDemand:0.####}/h"));
        output.WriteLine(string.Create(c, $"{"strategy",-42} {"cost USD",10} {"vs on-demand",13} {"interrupts",10} {"survived",9} {"lost/restarted",15} {"moves/VM-day",13} {"downtime s/VM-day",18}"));
        foreach (var s in new[] { superCloud, onDemand, kept, karpenter })
        {
            output.WriteLine(string.Create(c,
                $"{s.Name,-42} {s.CostUsd,10:0.0000} {1 - (s.CostUsd / onDemand.CostUsd),13:P1} {s.Interruptions,10} {s.InterruptionsSurvived,9} {s.VmsLost,15} {(s.PriceMigrations + s.InterruptionMigrations) / vmDays,13:0.###} {s.DowntimeSeconds / vmDays,18:0.###}"));
        }

        output.WriteLine(string.Create(c, $"bound: every VM in the cheapest market of each hour, moving free: {oracle:0.0000} USD, {1 - (oracle / onDemand.CostUsd):P1} below on-demand"));
        output.WriteLine(string.Create(c, $"follow the sun: client-weighted RTT {sun.FollowingMeanMs:0.#} ms following ({sun.Moves} moves: {string.Join(" → ", sun.Placement.Distinct())}) vs {sun.StaticMeanMs:0.#} ms in the best static region {sun.StaticRegion}: {sun.Reduction:P1} lower"));
        output.WriteLine(string.Create(c, $"policy engine: {policySeconds:0.0}s for the SuperCloud replay"));

        Directory.CreateDirectory(outDir);
        var costChart = Path.Combine(outDir, "spot-replay-accumulated-cost.svg");
        var sunChart = Path.Combine(outDir, "follow-the-sun-rtt.svg");
        SvgChart.Write(costChart, $"Accumulated cost of {options.Vms} VMs ({options.Vcpus} vCPU, {options.MemoryGiB} GiB), AWS {trace.Start:yyyy-MM-dd} + {trace.Hours / 24} days",
            "day", "USD", 24, [.. new[] { superCloud, kept, karpenter, onDemand }.Select(s => (s.Name, s.Accumulated))], xScale: 1.0 / 24);
        SvgChart.Write(sunChart, "Client-weighted RTT over a day: following the sun vs the best static region",
            "hour (UTC)", "ms", 2, [("follow the sun (PolicyEngine)", sun.Following), ($"static {sun.StaticRegion}", sun.Static)]);
        output.WriteLine($"charts: {costChart} {sunChart}");

        if (json)
        {
            var figures = new JsonObject
            {
                ["costUsd"] = Round(superCloud.CostUsd),
                ["onDemandCostUsd"] = Round(onDemand.CostUsd),
                ["savingVsOnDemand"] = Round(1 - (superCloud.CostUsd / onDemand.CostUsd)),
                ["vmsLost"] = superCloud.VmsLost,
                ["interruptions"] = superCloud.Interruptions,
                ["interruptionsSurvived"] = superCloud.InterruptionsSurvived,
                ["migrationsPerVmDay"] = Round((superCloud.PriceMigrations + superCloud.InterruptionMigrations) / vmDays),
                ["downtimeSecondsPerVmDay"] = Round(superCloud.DowntimeSeconds / vmDays),
                ["priceMigrations"] = superCloud.PriceMigrations,
                ["interruptionMigrations"] = superCloud.InterruptionMigrations,
                ["postCopyMigrations"] = superCloud.PostCopyMigrations,
                ["spotKeptCostUsd"] = Round(kept.CostUsd),
                ["spotKeptRestarts"] = kept.VmsLost,
                ["spotKeptDowntimeSecondsPerVmDay"] = Round(kept.DowntimeSeconds / vmDays),
                ["karpenterCostUsd"] = Round(karpenter.CostUsd),
                ["karpenterRestarts"] = karpenter.VmsLost,
                ["karpenterDowntimeSecondsPerVmDay"] = Round(karpenter.DowntimeSeconds / vmDays),
                ["cheapestStrategy"] = superCloud.CostUsd < bestOther,
                ["costVsBestOtherUsd"] = Round(superCloud.CostUsd - bestOther),
                ["oracleCostUsd"] = Round(oracle),
                ["oracleSavingVsOnDemand"] = Round(1 - (oracle / onDemand.CostUsd)),
                ["hazardScale"] = options.HazardScale,
                ["vms"] = options.Vms,
                ["hours"] = trace.Hours,
                ["missingPrices"] = trace.MissingPrices,
                ["sunRttMs"] = Round(sun.FollowingMeanMs),
                ["staticRttMs"] = Round(sun.StaticMeanMs),
                ["sunRttReduction"] = Round(sun.Reduction),
                ["sunMoves"] = sun.Moves,
            };
            output.WriteLine(figures.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        }

        return 0;
    }

    private static double Round(double value) => Math.Round(value, 4);

    private static int PositiveInt(string text, string name) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{name}: '{text}' is not a positive integer");
}
