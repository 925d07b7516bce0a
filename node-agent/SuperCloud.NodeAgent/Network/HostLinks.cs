using System.Text.Json.Nodes;
using SuperCloud.Crds.Networking;

namespace SuperCloud.NodeAgent.Network;

/// <summary>The host's own links, addresses and routes (iproute2), as the overlay needs them: VM taps, the underlay bridge's address, the gateway's routes.</summary>
/// <param name="options">Command timeout.</param>
internal sealed class HostLinks(NetworkOptions options)
{
    public Task<CommandOutput> IpAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        HostCommand.RunAsync("ip", args, null, null, options.CommandTimeout, cancellationToken);

    /// <summary>Runs <paramref name="commands"/> (ip arguments, one command a line) in one <c>ip -force -batch</c>; the first error, if any.</summary>
    public async Task<string?> BatchAsync(IReadOnlyCollection<string> commands, CancellationToken cancellationToken)
    {
        if (commands.Count == 0)
        {
            return null;
        }

        var result = await HostCommand.RunAsync("ip", ["-force", "-batch", "-"], string.Join('\n', commands) + "\n", null, options.CommandTimeout, cancellationToken);

        // "addr del" of an address that is not there is expected; anything else is worth a line in the log.
        var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.Contains("Cannot assign requested address", StringComparison.Ordinal) && !l.StartsWith("Command failed", StringComparison.Ordinal))
            .ToList();
        return errors.Count == 0 ? null : string.Join("; ", errors);
    }

    public async Task<bool> ExistsAsync(string link, CancellationToken cancellationToken) =>
        (await IpAsync(["link", "show", "dev", link], cancellationToken)).Succeeded;

    /// <summary>A persistent tap owned by the host (QEMU attaches to it by name), up with <paramref name="mtu"/>; its error otherwise.</summary>
    public async Task<string?> EnsureTapAsync(string name, int mtu, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(name, cancellationToken))
        {
            var added = await IpAsync(["tuntap", "add", "dev", name, "mode", "tap"], cancellationToken);
            if (!added.Succeeded && !await ExistsAsync(name, cancellationToken))
            {
                return added.Error;
            }
        }

        var up = await IpAsync(["link", "set", "dev", name, "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture), "up"], cancellationToken);
        return up.Succeeded ? null : up.Error;
    }

    public async Task DeleteAsync(string link, CancellationToken cancellationToken)
    {
        if (await ExistsAsync(link, cancellationToken))
        {
            await IpAsync(["link", "del", "dev", link], cancellationToken);
        }
    }

    public async Task<string?> UpAsync(string link, int? mtu, CancellationToken cancellationToken)
    {
        string[] args = mtu is { } m ? ["link", "set", "dev", link, "mtu", m.ToString(System.Globalization.CultureInfo.InvariantCulture), "up"] : ["link", "set", "dev", link, "up"];
        var result = await IpAsync(args, cancellationToken);
        return result.Succeeded ? null : result.Error;
    }

    /// <summary>Puts <paramref name="address"/> on <paramref name="link"/> without a connected route (host traffic keeps its own interface).</summary>
    public async Task<string?> EnsureAddressAsync(string link, string address, CancellationToken cancellationToken)
    {
        var result = await IpAsync(["addr", "replace", address, "dev", link, "noprefixroute"], cancellationToken);
        return result.Succeeded ? null : result.Error;
    }

    public Task RemoveAddressAsync(string link, string address, CancellationToken cancellationToken) =>
        IpAsync(["addr", "del", address, "dev", link], cancellationToken);

    /// <summary>Makes the routes through <paramref name="link"/> exactly <paramref name="destinations"/>.</summary>
    public async Task<string?> SyncRoutesAsync(string link, IReadOnlyCollection<Ipv4Prefix> destinations, CancellationToken cancellationToken)
    {
        var listed = await IpAsync(["-j", "-4", "route", "show", "dev", link], cancellationToken);
        if (!listed.Succeeded)
        {
            return listed.Error;
        }

        var wanted = destinations.Select(d => d.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var route in JsonNode.Parse(listed.Stdout.Length == 0 ? "[]" : listed.Stdout)?.AsArray() ?? [])
        {
            var dst = route?["dst"]?.GetValue<string>();
            var normalized = dst is not null && !dst.Contains('/', StringComparison.Ordinal) ? dst + "/32" : dst;
            if (normalized is not null && !wanted.Contains(normalized))
            {
                await IpAsync(["route", "del", dst!, "dev", link], cancellationToken);
            }
        }

        foreach (var destination in wanted)
        {
            var added = await IpAsync(["route", "replace", destination, "dev", link], cancellationToken);
            if (!added.Succeeded)
            {
                return added.Error;
            }
        }

        return null;
    }

    public async Task<string?> MacAsync(string link, CancellationToken cancellationToken)
    {
        var shown = await IpAsync(["-j", "link", "show", "dev", link], cancellationToken);
        return shown.Succeeded ? JsonNode.Parse(shown.Stdout)?[0]?["address"]?.GetValue<string>() : null;
    }

    /// <summary>Lets the host route between its underlay and the gateway port.</summary>
    public static async Task EnableForwardingAsync(CancellationToken cancellationToken)
    {
        const string Path = "/proc/sys/net/ipv4/ip_forward";
        if ((await File.ReadAllTextAsync(Path, cancellationToken)).Trim() != "1")
        {
            await File.WriteAllTextAsync(Path, "1", cancellationToken);
        }
    }
}
