using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.Hosts;

/// <summary>The lab's /16 (<c>A.B.0.0/16</c>): a /24 per cloud, and <c>A.B.255.0/30</c> between the root and router namespaces.</summary>
/// <param name="First">A.</param>
/// <param name="Second">B.</param>
public sealed record LabSubnet(int First, int Second)
{
    /// <summary>The candidates tried when no subnet is given: 10.100.0.0/16 to 10.254.0.0/16.</summary>
    private const int FirstCandidate = 100;

    /// <summary>A.B.0.0/16.</summary>
    public override string ToString() => $"{Prefix}.0.0/16";

    /// <summary>The root namespace's end of the management link, where the API server listens for hosts.</summary>
    public string ManagementIp => $"{Prefix}.255.1";

    /// <summary>The router namespace's end of the management link.</summary>
    public string RouterManagementIp => $"{Prefix}.255.2";

    /// <summary>"A.B".</summary>
    public string Prefix => string.Create(CultureInfo.InvariantCulture, $"{First}.{Second}");

    /// <summary>Address A.B.third.fourth.</summary>
    public string Address(int third, int fourth) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}.{third}.{fourth}");

    /// <summary>Parses <c>--subnet A.B.0.0/16</c>; throws <see cref="LabUsageException"/> naming the flag and value.</summary>
    public static LabSubnet Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parts = value.Split('/');
        if (parts.Length == 2 && parts[1] == "16" && IPAddress.TryParse(parts[0], out var address)
            && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && parts[0].Count(c => c == '.') == 3)
        {
            var bytes = address.GetAddressBytes();
            if (bytes[2] == 0 && bytes[3] == 0 && bytes[0] is not (0 or 127) && bytes[0] < 224)
            {
                return new LabSubnet(bytes[0], bytes[1]);
            }
        }

        throw new LabUsageException($"--subnet \"{value}\": must be an IPv4 /16 like 10.100.0.0/16 (the last two octets 0, not loopback or multicast)");
    }

    /// <summary>
    /// The first /16 among 10.100–10.254 (starting at a place derived from <paramref name="labId"/>, so labs of different
    /// data directories rarely try the same one) that overlaps no route or address of the root namespace.
    /// </summary>
    public static async Task<LabSubnet> PickFreeAsync(string labId, CommandRunner commands, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labId);
        var used = await UsedPrefixesAsync(commands, cancellationToken);
        var count = 255 - FirstCandidate;
        var start = (int)(uint.Parse(labId[..4], NumberStyles.HexNumber, CultureInfo.InvariantCulture) % (uint)count);
        for (var i = 0; i < count; i++)
        {
            var candidate = new LabSubnet(10, FirstCandidate + ((start + i) % count));
            if (!candidate.OverlapsAny(used) && !candidate.OverlapsOverlay)
            {
                return candidate;
            }
        }

        throw new LabCommandException("no free /16 between 10.100.0.0/16 and 10.254.0.0/16 in the root namespace's routes; give one with --subnet");
    }

    /// <summary>Throws <see cref="LabUsageException"/> naming <c>--subnet</c> when a route or address of the root namespace overlaps this /16.</summary>
    public async Task EnsureFreeAsync(CommandRunner commands, CancellationToken cancellationToken)
    {
        if (OverlapsOverlay)
        {
            throw new LabUsageException($"--subnet \"{this}\": overlaps the lab's overlay addresses ({SuperClusterManifest.OverlayRange}); choose another or leave it out");
        }

        if (OverlapsAny(await UsedPrefixesAsync(commands, cancellationToken)))
        {
            throw new LabUsageException($"--subnet \"{this}\": overlaps a route or address of the root namespace (see `ip route`); choose another or leave it out");
        }
    }

    /// <summary>Whether the /16 shares addresses with the overlay networks the lab's clusters declare (hosts route those to their gateway port).</summary>
    public bool OverlapsOverlay => OverlapsAny([ParseCidr(SuperClusterManifest.OverlayRange)!.Value]);

    private bool OverlapsAny(IEnumerable<(uint Network, int Length)> used)
    {
        var network = ((uint)First << 24) | ((uint)Second << 16);
        return used.Any(u => Overlaps(u.Network, u.Length, network, 16));
    }

    private static async Task<List<(uint Network, int Length)>> UsedPrefixesAsync(CommandRunner commands, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var used = new List<(uint Network, int Length)>();
        foreach (var args in new[] { new[] { "-j", "-4", "route", "show", "table", "all" }, ["-j", "-4", "addr", "show"] })
        {
            var json = await commands.RunAsync("ip", args, cancellationToken);
            used.AddRange(Prefixes(JsonNode.Parse(json)));
        }

        return used;
    }

    private static IEnumerable<(uint Network, int Length)> Prefixes(JsonNode? json)
    {
        foreach (var entry in json?.AsArray() ?? [])
        {
            if (entry?["dst"]?.GetValue<string>() is { } dst && dst != "default")
            {
                if (ParseCidr(dst) is { } prefix)
                {
                    yield return prefix;
                }
            }

            foreach (var info in entry?["addr_info"]?.AsArray() ?? [])
            {
                if (info?["local"]?.GetValue<string>() is { } local && info["prefixlen"]?.GetValue<int>() is { } length
                    && ParseCidr($"{local}/{length.ToString(CultureInfo.InvariantCulture)}") is { } prefix)
                {
                    yield return prefix;
                }
            }
        }
    }

    private static (uint Network, int Length)? ParseCidr(string cidr)
    {
        var parts = cidr.Split('/');
        if (!IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return null;
        }

        var length = parts.Length == 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var l) ? l : 32;
        var bytes = address.GetAddressBytes();
        return (((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3], length);
    }

    private static bool Overlaps(uint a, int aLength, uint b, int bLength)
    {
        var length = Math.Min(aLength, bLength);
        var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
        return (a & mask) == (b & mask);
    }
}
