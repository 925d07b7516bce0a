using System.Globalization;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.Hosts;

/// <summary>
/// The SuperCluster object of a lab cloud: provider and region from its name, list prices of the provider (on-demand, and
/// spot where the provider sells it), and a latency table to every cloud of the lab so client-proximity scoring has data.
/// </summary>
public static class SuperClusterManifest
{
    /// <summary>
    /// The overlay networks every lab cloud joins: <c>default</c> (VNI 4096) and <c>isolated</c> (VNI 4097), each cloud
    /// contributing the /24 <c>10.SECOND.(CLOUD-1).0/24</c> — so the first cloud's default pool is 10.200.0.0/24, which
    /// holds examples/superpod.yaml's 10.200.0.10.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, int Vni, int SecondOctet)> OverlayNetworks = [("default", 4096, 200), ("isolated", 4097, 201)];

    /// <summary>Every overlay address of the lab: what a cloud's client routes through its gateway host.</summary>
    public const string OverlayRange = "10.200.0.0/15";

    /// <summary>The pool of the network whose addresses start with 10.<paramref name="secondOctet"/> in the cloud numbered <paramref name="cloudIndex"/>.</summary>
    public static string Pool(int secondOctet, int cloudIndex) => string.Create(CultureInfo.InvariantCulture, $"10.{secondOctet}.{cloudIndex - 1}.0/24");

    /// <summary>The SuperCluster for <paramref name="cloud"/>, with latencies to every cloud in <paramref name="all"/>, and the lab's EC2 endpoint for an aws cloud.</summary>
    public static JsonObject Build(LabCloud cloud, IReadOnlyList<LabCloud> all, Uri? ec2Endpoint = null)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        ArgumentNullException.ThrowIfNull(all);
        var (onDemand, spot) = Prices(cloud.Spec.Provider);
        var pricing = new JsonObject
        {
            ["currency"] = "USD",
            ["onDemand"] = Rates(onDemand),
            ["billingPeriod"] = "1h",
        };
        if (spot is { } spotRates)
        {
            pricing["spot"] = Rates(spotRates);
        }

        var latency = new JsonArray();
        foreach (var region in all.Select(c => c.Spec.Region).Distinct(StringComparer.Ordinal))
        {
            latency.Add(new JsonObject { ["location"] = region, ["latencyMs"] = LatencyMs(cloud.Spec.Region, region) });
        }

        var spec = new JsonObject
        {
            ["provider"] = cloud.Spec.Provider,
            ["region"] = cloud.Spec.Region,
            ["pricing"] = pricing,
            ["latency"] = latency,
            ["overlay"] = new JsonObject
            {
                ["networks"] = new JsonArray(OverlayNetworks
                    .Select(n => (JsonNode)new JsonObject { ["name"] = n.Name, ["vni"] = n.Vni, ["cidr"] = Pool(n.SecondOctet, cloud.Index) })
                    .ToArray()),
            },
        };
        if (ec2Endpoint is not null)
        {
            spec["aws"] = new JsonObject { ["endpoint"] = ec2Endpoint.ToString().TrimEnd('/'), ["instanceTypes"] = new JsonArray(Spot.LabSpotMarket.HostInstanceType) };
        }

        return new JsonObject
        {
            ["apiVersion"] = "supercloud.dev/v1alpha1",
            ["kind"] = "SuperCluster",
            ["metadata"] = new JsonObject { ["name"] = cloud.Name, ["labels"] = new JsonObject { ["supercloud.dev/lab"] = "true" } },
            ["spec"] = spec,
        };
    }

    /// <summary>
    /// Round trip in ms between two regions: 2 within a region, 20 within a geography (the region's first word: us, eu,
    /// ap, ...), 80 across geographies; an on-premises site is 40 from everything else.
    /// </summary>
    public static int LatencyMs(string from, string to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (from == to)
        {
            return 2;
        }

        if (from == "onprem" || to == "onprem")
        {
            return 40;
        }

        return Geography(from) == Geography(to) ? 20 : 80;
    }

    // Per vCPU-hour and GiB-hour, in USD: the order of magnitude of each provider's general-purpose list prices,
    // with spot at roughly a third of on-demand and on-premises cheapest (already paid for) but without spot.
    private static ((string Cpu, string Memory) OnDemand, (string Cpu, string Memory)? Spot) Prices(string provider) => provider switch
    {
        "aws" => (("0.048", "0.006"), ("0.0145", "0.0018")),
        "gcp" => (("0.0475", "0.0064"), ("0.0114", "0.0015")),
        "azure" => (("0.05", "0.0065"), ("0.012", "0.0016")),
        _ => (("0.02", "0.002"), null),
    };

    private static JsonObject Rates((string Cpu, string Memory) rates) => new() { ["perVcpuHour"] = rates.Cpu, ["perGiBHour"] = rates.Memory };

    private static string Geography(string region) => region.Split('-')[0];
}
