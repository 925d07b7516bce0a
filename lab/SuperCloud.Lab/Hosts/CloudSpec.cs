using System.Globalization;
using System.Text.RegularExpressions;

namespace SuperCloud.Lab.Hosts;

/// <summary>
/// One simulated cloud of the lab as given to <c>--clouds</c>: <c>aws-us-east-1:2</c> is two hosts of provider aws in region
/// us-east-1. The provider is the name's first word (aws, gcp, azure, onprem); the region is the rest, or <c>onprem</c> for a
/// bare <c>onprem</c>.
/// </summary>
/// <param name="Name">The cloud's name: the SuperCluster's name and the prefix of its hosts' names.</param>
/// <param name="Provider">aws, gcp, azure or onprem.</param>
/// <param name="Region">The region (or on-premises site).</param>
/// <param name="Hosts">How many hosts the cloud has.</param>
public sealed partial record CloudSpec(string Name, string Provider, string Region, int Hosts)
{
    /// <summary>The most hosts one cloud may have (each is a node agent process).</summary>
    public const int MaxHostsPerCloud = 32;

    /// <summary>The most clouds one lab may have.</summary>
    public const int MaxClouds = 16;

    private static readonly string[] Providers = ["aws", "gcp", "azure", "onprem"];

    /// <summary>Whether the provider sells spot capacity (every cloud but on-premises).</summary>
    public bool SellsSpot => Provider != "onprem";

    /// <summary>Parses <c>NAME:COUNT[,NAME:COUNT...]</c>; throws <see cref="LabUsageException"/> naming <c>--clouds</c> and the bad entry.</summary>
    public static IReadOnlyList<CloudSpec> ParseList(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var entries = value.Split(',', StringSplitOptions.TrimEntries);
        if (value.Trim().Length == 0)
        {
            throw new LabUsageException("--clouds \"\": give at least one cloud as NAME:HOSTS, e.g. aws-us-east-1:2,onprem:1");
        }

        if (entries.Length > MaxClouds)
        {
            throw new LabUsageException($"--clouds \"{value}\": at most {MaxClouds} clouds, got {entries.Length}");
        }

        var clouds = new List<CloudSpec>();
        foreach (var entry in entries)
        {
            var cloud = Parse(entry);
            if (clouds.Any(c => c.Name == cloud.Name))
            {
                throw new LabUsageException($"--clouds \"{entry}\": cloud {cloud.Name} is given twice");
            }

            clouds.Add(cloud);
        }

        return clouds;
    }

    private static CloudSpec Parse(string entry)
    {
        var colon = entry.LastIndexOf(':');
        if (colon < 0)
        {
            throw new LabUsageException($"--clouds \"{entry}\": expected NAME:HOSTS, e.g. aws-us-east-1:2");
        }

        var name = entry[..colon];
        var count = entry[(colon + 1)..];
        if (!int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var hosts) || hosts < 1)
        {
            throw new LabUsageException($"--clouds \"{entry}\": host count must be a positive integer");
        }

        if (hosts > MaxHostsPerCloud)
        {
            throw new LabUsageException($"--clouds \"{entry}\": at most {MaxHostsPerCloud} hosts per cloud, got {hosts}");
        }

        // Host names are NAME-N and must stay DNS labels (SuperNode and Lease names).
        if (!CloudName().IsMatch(name) || name.Length > 50)
        {
            throw new LabUsageException($"--clouds \"{entry}\": cloud name \"{name}\" must be lowercase letters, digits and '-', at most 50 characters, starting with a provider (aws, gcp, azure, onprem)");
        }

        var dash = name.IndexOf('-', StringComparison.Ordinal);
        var provider = dash < 0 ? name : name[..dash];
        if (!Providers.Contains(provider))
        {
            throw new LabUsageException($"--clouds \"{entry}\": cloud name \"{name}\" must start with a provider: aws, gcp, azure or onprem");
        }

        var region = dash < 0 ? "onprem" : name[(dash + 1)..];
        if (dash < 0 && provider != "onprem")
        {
            throw new LabUsageException($"--clouds \"{entry}\": cloud name \"{name}\" needs a region after the provider, e.g. {provider}-us-east-1");
        }

        return new CloudSpec(name, provider, region, hosts);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex CloudName();
}
