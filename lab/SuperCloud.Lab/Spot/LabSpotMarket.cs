using System.Globalization;
using System.Net;
using SuperCloud.Lab.Hosts;

namespace SuperCloud.Lab.Spot;

/// <summary>
/// The simulated EC2 of a lab: writes the market (each aws cloud's hosts as instances of <see cref="HostInstanceType"/>,
/// spot prices at about a third of on-demand in two zones), serves it through a <see cref="SpotLabServer"/> with each
/// host's metadata at 169.254.169.254:80 inside its namespace, and tears a host down when its instance ends.
/// </summary>
public static class LabSpotMarket
{
    /// <summary>The link-local address of the instance metadata service.</summary>
    public static readonly IPAddress MetadataAddress = IPAddress.Parse("169.254.169.254");

    /// <summary>The access key id the lab's EC2 endpoints accept.</summary>
    public const string AccessKeyId = "AKIASUPERCLOUDLAB001";

    /// <summary>Its secret (a lab has nothing to protect with it; the endpoints check the key id and the request's signature scope).</summary>
    public const string SecretAccessKey = "supercloud-lab-secret-access-key-0000000";

    /// <summary>The instance type every lab host is.</summary>
    public const string HostInstanceType = "m5.large";

    /// <summary>On-demand USD per hour of the types the lab sells (us-east-1 list prices, Linux).</summary>
    public static readonly IReadOnlyDictionary<string, decimal> OnDemandUsd = new Dictionary<string, decimal>(StringComparer.Ordinal)
    {
        ["m5.large"] = 0.096m,
        ["m5.xlarge"] = 0.192m,
        ["c5.large"] = 0.085m,
        ["r5.large"] = 0.126m,
    };

    /// <summary>True when <paramref name="cloud"/> gets a simulated EC2 (aws clouds).</summary>
    public static bool HasEc2(LabCloud cloud) => cloud?.Spec.Provider == "aws";

    /// <summary>The market of a new lab: every aws cloud with its zones, list prices, an hour of spot history and its hosts as instances.</summary>
    public static SpotMarketState Create(LabTopology topology, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var state = new SpotMarketState();
        foreach (var cloud in topology.Clouds.Where(HasEc2))
        {
            var market = new SpotMarketCloud { Region = cloud.Spec.Region, Zones = [cloud.Spec.Region + "a", cloud.Spec.Region + "b"] };
            foreach (var (type, price) in OnDemandUsd)
            {
                market.OnDemandUsd[type] = price;
                foreach (var zone in market.Zones)
                {
                    // About 30 % of on-demand an hour ago, a little lower now; the second zone a little dearer.
                    var zoneFactor = zone == market.Zones[0] ? 1m : 1.08m;
                    market.Prices.Add(new SpotPricePoint(now.AddHours(-1), zone, type, Math.Round(price * 0.32m * zoneFactor, 6)));
                    market.Prices.Add(new SpotPricePoint(now.AddMinutes(-5), zone, type, Math.Round(price * 0.30m * zoneFactor, 6)));
                }
            }

            state.Clouds[cloud.Name] = market;
            foreach (var host in topology.Hosts.Where(h => h.Cloud == cloud))
            {
                var id = Ec2QueryApi.InstanceIdOf(host.Name);
                state.Instances[id] = new SpotMarketInstance
                {
                    InstanceId = id,
                    Cloud = cloud.Name,
                    Host = host.Name,
                    InstanceType = HostInstanceType,
                    Zone = market.Zones[(host.Number - 1) % market.Zones.Count],
                    Spot = host.Spot,
                    State = "running",
                    LaunchTime = now,
                    PrivateIp = host.Ip,
                    ImageId = "ami-0123456789abcdef0",
                    Tags = { ["Name"] = host.Name, ["supercloud.dev/cluster"] = cloud.Name },
                };
            }
        }

        return state;
    }

    /// <summary>The provider id of <paramref name="host"/>'s SuperNode (<c>aws:///ZONE/INSTANCE</c>), as Kubernetes' AWS cloud provider writes it.</summary>
    public static string ProviderId(SpotMarketState market, LabHost host)
    {
        ArgumentNullException.ThrowIfNull(market);
        ArgumentNullException.ThrowIfNull(host);
        var instance = market.Instances.Values.First(i => i.Host == host.Name);
        return $"aws:///{instance.Zone}/{instance.InstanceId}";
    }

    /// <summary>
    /// Writes the market of <paramref name="topology"/> and serves it: EC2 on the management address, metadata in each aws
    /// host's namespace. Everything it makes is recorded in the lab's state (files) or dies with the namespaces.
    /// </summary>
    public static async Task<SpotLabServer> StartAsync(
        LabTopology topology, string dataDir, LabStateStore labStore, CommandRunner commands, LabProcesses processes, ILoggerFactory loggerFactory,
        TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentNullException.ThrowIfNull(labStore);
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(processes);
        await labStore.UpdateAsync(s => s.Files.AddRange([SpotMarketStore.FileName, SpotMarketStore.FileName + ".tmp", SpotMarketStore.LockName]), cancellationToken);
        var store = new SpotMarketStore(dataDir, time);
        var market = Create(topology, time.GetUtcNow().UtcDateTime);
        await store.UpdateAsync(_ => 0, cancellationToken, market);

        var sockets = new List<(string Host, System.Net.Sockets.Socket Socket)>();
        foreach (var host in topology.Hosts.Where(h => HasEc2(h.Cloud)))
        {
            await commands.RunAsync("ip", ["-n", host.Namespace, "addr", "add", $"{MetadataAddress}/32", "dev", "lo"], cancellationToken);
            sockets.Add((host.Name, NetnsSocket.Bind(host.Namespace, new IPEndPoint(MetadataAddress, 80))));
        }

        var hosts = topology.Hosts.ToDictionary(h => h.Name, StringComparer.Ordinal);
        var logger = loggerFactory.CreateLogger("supercloud-lab-spot");
        return await SpotLabServer.StartAsync(
            new SpotLabServerOptions
            {
                DataDir = dataDir,
                Ec2Address = IPAddress.Parse(topology.Subnet.ManagementIp),
                Clouds = [.. market.Clouds.Keys],
                MetadataSockets = sockets,
                Ec2 = new Ec2ApiOptions { AccessKeyIds = [AccessKeyId] },
                LoggerFactory = loggerFactory,

                // The instance is gone: everything in its namespace (the agent, the QEMUs it daemonized) dies at once.
                TearDown = async (name, ct) =>
                {
                    if (hosts.TryGetValue(name, out var host))
                    {
                        if (logger.IsEnabled(LogLevel.Warning))
                        {
                            logger.LogWarning("Instance of host {Host} terminated: killing its agent and VMs", name);
                        }

                        await processes.KillNamespaceAsync(host.Namespace, ct);
                    }
                },
            },
            time,
            cancellationToken);
    }

    /// <summary>Sets the spot price of <paramref name="cloud"/>'s instance type <paramref name="instanceType"/> in every zone, from <paramref name="at"/>.</summary>
    public static async Task SetPriceAsync(SpotMarketStore store, string cloud, decimal usd, string instanceType, DateTime at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.UpdateAsync(
            s =>
            {
                var market = s.Clouds.GetValueOrDefault(cloud)
                    ?? throw new LabUsageException($"--cloud \"{cloud}\": no simulated EC2 there (aws clouds of this lab: {string.Join(", ", s.Clouds.Keys)})");
                if (!market.OnDemandUsd.ContainsKey(instanceType))
                {
                    throw new LabUsageException($"--instance-type \"{instanceType}\": not sold in {cloud} ({string.Join(", ", market.OnDemandUsd.Keys)})");
                }

                foreach (var zone in market.Zones)
                {
                    market.Prices.Add(new SpotPricePoint(at, zone, instanceType, usd));
                }

                return 0;
            },
            cancellationToken);
    }

    /// <summary>
    /// Reads a price trace: one <c>SECONDS,USD</c> line per change (seconds from now; <c>#</c> comments), for
    /// <see cref="SetPriceAsync"/> at each offset.
    /// </summary>
    public static IReadOnlyList<(TimeSpan Offset, decimal Usd)> ReadTrace(string path)
    {
        var points = new List<(TimeSpan, decimal)>();
        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var parts = line.Split(',');
            if (parts.Length != 2
                || !double.TryParse(parts[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
                || !decimal.TryParse(parts[1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var usd)
                || usd <= 0)
            {
                throw new LabUsageException($"--trace {path}:{number}: expected SECONDS,USD with a positive price, got \"{line}\"");
            }

            points.Add((TimeSpan.FromSeconds(seconds), usd));
        }

        return points;
    }

    /// <summary>Posts an interruption notice to <paramref name="host"/>: its instance is reclaimed <paramref name="lead"/> from now, with a rebalance recommendation.</summary>
    public static async Task<DateTime> InterruptAsync(SpotMarketStore store, string host, string action, TimeSpan lead, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return await store.UpdateAsync(
            s =>
            {
                var instance = s.Instances.Values.FirstOrDefault(i => i.Host == host)
                    ?? throw new LabUsageException($"--host \"{host}\": not an EC2 instance of this lab (hosts of aws clouds: {string.Join(", ", s.Instances.Values.Where(i => i.Host is not null).Select(i => i.Host))})");
                if (!instance.Spot)
                {
                    throw new LabUsageException($"--host \"{host}\": an on-demand instance; only spot instances are interrupted");
                }

                if (instance.State is "terminated" or "stopped")
                {
                    throw new LabUsageException($"--host \"{host}\": its instance is already {instance.State}");
                }

                // Whole seconds: the notice's time has no fraction, and the host goes at exactly that time.
                var at = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc) + lead;
                var previous = s.Notices.GetValueOrDefault(host);
                s.Notices[host] = new SpotNotice { Action = action, Time = previous?.Time is { } earlier && earlier < at ? earlier : at, RebalanceTime = previous?.RebalanceTime ?? now };
                return s.Notices[host].Time!.Value;
            },
            cancellationToken);
    }
}
