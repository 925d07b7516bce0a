using System.Text.Json.Nodes;
using SuperCloud.Crds.Networking;

namespace SuperCloud.NodeAgent.Network;

/// <summary>
/// The host's own links, addresses and routes (iproute2), as the overlay needs them: VM taps, the underlay bridge's
/// address, the gateway's routes — in the agent's network namespace, or in <see cref="NetworkOptions.Namespace"/>.
/// </summary>
/// <param name="options">Command timeout and namespace.</param>
internal sealed class HostLinks(NetworkOptions options)
{
    private string[] Ip => options.Namespace.Length > 0 ? ["-n", options.Namespace] : [];

    public Task<CommandOutput> IpAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        HostCommand.RunAsync("ip", [.. Ip, .. args], null, null, options.CommandTimeout, cancellationToken);

    /// <summary>Runs <paramref name="commands"/> (ip arguments, one command a line) in one <c>ip -force -batch</c>; the first error, if any.</summary>
    public async Task<string?> BatchAsync(IReadOnlyCollection<string> commands, CancellationToken cancellationToken)
    {
        if (commands.Count == 0)
        {
            return null;
        }

        var result = await HostCommand.RunAsync("ip", [.. Ip, "-force", "-batch", "-"], string.Join('\n', commands) + "\n", null, options.CommandTimeout, cancellationToken);

        // "addr del" of an address that is not there is expected; anything else is worth a line in the log.
        var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.Contains("Cannot assign requested address", StringComparison.Ordinal) && !l.Contains("Address not found", StringComparison.Ordinal)
                && !l.StartsWith("Command failed", StringComparison.Ordinal))
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


    /// <summary>Removes the routes through <paramref name="link"/> other than to <paramref name="destinations"/> (the wanted ones are put by <see cref="BatchAsync"/>).</summary>
    public async Task<string?> RemoveStaleRoutesAsync(string link, IReadOnlyCollection<Ipv4Prefix> destinations, CancellationToken cancellationToken)
    {
        var listed = await IpAsync(["-j", "-4", "route", "show", "dev", link], cancellationToken);
        if (!listed.Succeeded)
        {
            return listed.Error;
        }

        var wanted = destinations.Select(d => d.ToString()).ToHashSet(StringComparer.Ordinal);
        var stale = new List<string>();
        foreach (var route in JsonNode.Parse(listed.Stdout.Length == 0 ? "[]" : listed.Stdout)?.AsArray() ?? [])
        {
            var dst = route?["dst"]?.GetValue<string>();
            var normalized = dst is not null && !dst.Contains('/', StringComparison.Ordinal) ? dst + "/32" : dst;
            if (normalized is not null && !wanted.Contains(normalized))
            {
                stale.Add($"route del {dst} dev {link}");
            }
        }

        return await BatchAsync(stale, cancellationToken);
    }

    public async Task<string?> MacAsync(string link, CancellationToken cancellationToken)
    {
        var shown = await IpAsync(["-j", "link", "show", "dev", link], cancellationToken);
        return shown.Succeeded ? JsonNode.Parse(shown.Stdout)?[0]?["address"]?.GetValue<string>() : null;
    }

    /// <summary>Lets the host route between its underlay and the gateway port.</summary>
    public async Task EnableForwardingAsync(CancellationToken cancellationToken)
    {
        if (options.Namespace.Length > 0)
        {
            await HostCommand.RunAsync("ip", ["netns", "exec", options.Namespace, "sysctl", "-qw", "net.ipv4.ip_forward=1"], null, null, options.CommandTimeout, cancellationToken);
            return;
        }

        const string Path = "/proc/sys/net/ipv4/ip_forward";
        if ((await File.ReadAllTextAsync(Path, cancellationToken)).Trim() != "1")
        {
            await File.WriteAllTextAsync(Path, "1", cancellationToken);
        }
    }
}
