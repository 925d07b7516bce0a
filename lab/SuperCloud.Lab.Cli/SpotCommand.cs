using System.Globalization;
using SuperCloud.Lab.Hosts;
using SuperCloud.Lab.Spot;

namespace SuperCloud.Lab.Cli;

/// <summary><c>supercloud-lab spot</c>: drives the lab's simulated EC2 — spot prices by hand or from a trace, interruption notices.</summary>
internal static class SpotCommand
{
    public const string Usage = """
          supercloud-lab spot --data-dir DIR --cloud CLOUD --price USD [--instance-type m5.large]
          supercloud-lab spot --data-dir DIR --cloud CLOUD --trace FILE [--instance-type m5.large]
          supercloud-lab spot --data-dir DIR --host HOST --interrupt [--action terminate|stop] [--notice 2m]
              sets the spot price (USD per instance-hour, every zone) of an aws cloud now, or at each SECONDS,USD line of FILE
              from now; or posts a spot interruption notice (and a rebalance recommendation) to a spot host's instance
              metadata: at its time the host is torn down (its agent and VMs killed, its instance terminated)
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, ILogger logger, CancellationToken cancellationToken)
    {
        var parsed = CommandArguments.Parse(args, ["--data-dir", "--cloud", "--price", "--trace", "--instance-type", "--host", "--action", "--notice"], ["--interrupt"]);
        var dataDir = Path.GetFullPath(parsed.Required("--data-dir"));
        var store = new SpotMarketStore(dataDir, TimeProvider.System);
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        if (parsed.Has("--cloud") == parsed.Has("--host"))
        {
            throw new LabUsageException("spot needs either --cloud CLOUD (with --price USD or --trace FILE) or --host HOST --interrupt");
        }

        if (parsed.Has("--host"))
        {
            if (!parsed.Has("--interrupt") || parsed.Has("--price") || parsed.Has("--trace"))
            {
                throw new LabUsageException("--host HOST goes with --interrupt (and optionally --action, --notice), not with --price or --trace");
            }

            var action = parsed.Get("--action") ?? "terminate";
            if (action is not ("terminate" or "stop"))
            {
                throw new LabUsageException($"--action \"{action}\": must be terminate or stop");
            }

            var notice = parsed.Get("--notice") is { } text ? LabDuration.Parse("--notice", text) : TimeSpan.FromMinutes(2);
            if (notice < TimeSpan.FromSeconds(5) || notice > TimeSpan.FromHours(1))
            {
                throw new LabUsageException($"--notice \"{parsed.Get("--notice")}\": must be between 5s and 1h (EC2 gives 2m)");
            }

            var host = parsed.Required("--host");
            var at = await LabSpotMarket.InterruptAsync(store, host, action, notice, now, cancellationToken);
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{host}: {action} notice posted; the instance goes at {at:yyyy-MM-ddTHH:mm:ssZ}"));
            return 0;
        }

        if (parsed.Has("--interrupt") || parsed.Has("--action") || parsed.Has("--notice"))
        {
            throw new LabUsageException("--interrupt, --action and --notice go with --host HOST");
        }

        var cloud = parsed.Required("--cloud");
        var type = parsed.Get("--instance-type") ?? LabSpotMarket.HostInstanceType;
        if (parsed.Has("--price") == parsed.Has("--trace"))
        {
            throw new LabUsageException($"--cloud \"{cloud}\": give either --price USD or --trace FILE");
        }

        if (parsed.Get("--price") is { } priceText)
        {
            if (!decimal.TryParse(priceText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var usd) || usd <= 0 || usd > 1000)
            {
                throw new LabUsageException($"--price \"{priceText}\": must be a positive number of USD per instance-hour (at most 1000), like 0.035");
            }

            await LabSpotMarket.SetPriceAsync(store, cloud, usd, type, now, cancellationToken);
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{cloud}: spot price of {type} is {usd} USD/h from {now:yyyy-MM-ddTHH:mm:ssZ}"));
            return 0;
        }

        var trace = parsed.Required("--trace");
        if (!File.Exists(trace))
        {
            throw new LabUsageException($"--trace \"{trace}\": no such file");
        }

        var points = LabSpotMarket.ReadTrace(trace);
        foreach (var (offset, usd) in points)
        {
            await LabSpotMarket.SetPriceAsync(store, cloud, usd, type, now + offset, cancellationToken);
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("{Cloud}: {Count} spot prices of {Type} scheduled from {Trace}", cloud, points.Count, type, trace);
        }

        return 0;
    }
}
