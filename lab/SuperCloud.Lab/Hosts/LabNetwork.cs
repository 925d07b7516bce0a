using System.Globalization;

namespace SuperCloud.Lab.Hosts;

/// <summary>
/// The lab's network, made with iproute2 and tc only: a router namespace that forwards between one bridge per cloud and a
/// veth pair to the root namespace; one namespace per host with <c>eth0</c> on its cloud's bridge. Every namespace, root
/// link and root route is recorded in the state before it is made, so <see cref="DestroyAsync"/> finds it after any crash.
/// </summary>
/// <param name="topology">Names and addresses.</param>
/// <param name="commands">Runs ip and tc.</param>
/// <param name="store">The lab's state file.</param>
/// <param name="logger">Logs what is made.</param>
public sealed class LabNetwork(LabTopology topology, CommandRunner commands, LabStateStore store, ILogger logger)
{
    private string Router => topology.RouterNamespace;

    /// <summary>Makes the whole network; the state file must exist.</summary>
    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        await AddNamespaceAsync(Router, cancellationToken);

        // Only the router namespace forwards: the root namespace's ip_forward stays as it was.
        await IpAsync(["netns", "exec", Router, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"], cancellationToken);
        foreach (var cloud in topology.Clouds)
        {
            await IpAsync(["-n", Router, "link", "add", cloud.Bridge, "type", "bridge"], cancellationToken);
            await IpAsync(["-n", Router, "addr", "add", cloud.Gateway + "/24", "dev", cloud.Bridge], cancellationToken);
            await IpAsync(["-n", Router, "link", "set", cloud.Bridge, "up"], cancellationToken);
        }

        var root = topology.ManagementLink;
        await store.UpdateAsync(s => s.RootLinks.Add(root), cancellationToken);
        await IpAsync(["link", "add", root, "type", "veth", "peer", "name", LabTopology.RouterManagementLink, "netns", Router], cancellationToken);
        await IpAsync(["addr", "add", topology.Subnet.ManagementIp + "/30", "dev", root], cancellationToken);
        await IpAsync(["link", "set", root, "up"], cancellationToken);
        await IpAsync(["-n", Router, "addr", "add", topology.Subnet.RouterManagementIp + "/30", "dev", LabTopology.RouterManagementLink], cancellationToken);
        await IpAsync(["-n", Router, "link", "set", LabTopology.RouterManagementLink, "up"], cancellationToken);
        var route = $"{topology.Subnet} via {topology.Subnet.RouterManagementIp} dev {root}";
        await store.UpdateAsync(s => s.RootRoutes.Add(route), cancellationToken);
        await IpAsync(["route", "add", .. route.Split(' ')], cancellationToken);

        foreach (var host in topology.Hosts)
        {
            await AddNamespaceAsync(host.Namespace, cancellationToken);
            await IpAsync(["-n", host.Namespace, "link", "add", "eth0", "type", "veth", "peer", "name", host.RouterPort, "netns", Router], cancellationToken);
            await IpAsync(["-n", Router, "link", "set", host.RouterPort, "master", host.Cloud.Bridge, "up"], cancellationToken);
            await IpAsync(["-n", host.Namespace, "addr", "add", host.Ip + "/24", "dev", "eth0"], cancellationToken);
            await IpAsync(["-n", host.Namespace, "link", "set", "eth0", "up"], cancellationToken);
            await IpAsync(["-n", host.Namespace, "route", "add", "default", "via", host.Cloud.Gateway], cancellationToken);
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation(
                "Network {Subnet}: router netns {Router}, {Clouds} clouds, {Hosts} hosts, management {Link} {Ip}",
                topology.Subnet, Router, topology.Clouds.Count, topology.Hosts.Count, root, topology.Subnet.ManagementIp);
        }
    }

    /// <summary>Caps the traffic entering <paramref name="cloud"/> (its bridge's egress) at <paramref name="rate"/>, replacing any earlier cap.</summary>
    public async Task ShapeAsync(LabCloud cloud, LinkRate rate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        ArgumentNullException.ThrowIfNull(rate);
        await commands.RunAsync(
            "tc",
            ["-n", Router, "qdisc", "replace", "dev", cloud.Bridge, "root", "tbf", "rate", rate.Text,
             "burst", rate.BurstBytes.ToString(CultureInfo.InvariantCulture), "latency", "100ms"],
            cancellationToken);
    }

    /// <summary>Removes the cap of <paramref name="cloud"/>; nothing happens when it has none.</summary>
    public async Task ClearShapingAsync(LabCloud cloud, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        var (exitCode, _, stderr) = await commands.TryRunAsync("tc", ["-n", Router, "qdisc", "del", "dev", cloud.Bridge, "root"], cancellationToken);
        if (exitCode != 0 && !stderr.Contains("No such file or directory", StringComparison.Ordinal) && !stderr.Contains("Cannot find", StringComparison.Ordinal)
            && !stderr.Contains("Cannot delete qdisc with handle of zero", StringComparison.Ordinal))
        {
            throw new LabCommandException($"tc qdisc del dev {cloud.Bridge} in {Router} failed: {stderr.Trim()}");
        }
    }

    /// <summary>Drops all traffic between <paramref name="a"/> and <paramref name="b"/> in the router; the management path stays.</summary>
    public async Task CutAsync(LabCloud a, LabCloud b, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        foreach (var (from, to) in new[] { (a, b), (b, a) })
        {
            if (!await HasCutRuleAsync(from, to, cancellationToken))
            {
                await IpAsync(["-n", Router, "rule", "add", "from", from.Subnet, "to", to.Subnet, "blackhole"], cancellationToken);
            }
        }
    }

    /// <summary>Removes the cut between <paramref name="a"/> and <paramref name="b"/>; nothing happens when there is none.</summary>
    public async Task RestoreAsync(LabCloud a, LabCloud b, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        foreach (var (from, to) in new[] { (a, b), (b, a) })
        {
            while (await HasCutRuleAsync(from, to, cancellationToken))
            {
                await IpAsync(["-n", Router, "rule", "del", "from", from.Subnet, "to", to.Subnet, "blackhole"], cancellationToken);
            }
        }
    }

    /// <summary>
    /// Drops all traffic between the root namespace's management link (the API server and the operator) and
    /// <paramref name="host"/>, in the router; paths between hosts stay up.
    /// </summary>
    public async Task IsolateAsync(LabHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        foreach (var (from, to) in ManagementPaths(host))
        {
            if (!await HasBlackholeAsync(from, to, cancellationToken))
            {
                await IpAsync(["-n", Router, "rule", "add", "from", from, "to", to, "blackhole"], cancellationToken);
            }
        }
    }

    /// <summary>Removes the isolation of <paramref name="host"/>; nothing happens when it has none.</summary>
    public async Task RejoinAsync(LabHost host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        foreach (var (from, to) in ManagementPaths(host))
        {
            while (await HasBlackholeAsync(from, to, cancellationToken))
            {
                await IpAsync(["-n", Router, "rule", "del", "from", from, "to", to, "blackhole"], cancellationToken);
            }
        }
    }

    /// <summary>
    /// Removes every namespace, root link and root route in <paramref name="state"/> that still exists, and any namespace
    /// carrying the lab's prefix (made before a crash that lost its record). Deleting the router namespace also deletes the
    /// bridges and every veth pair with an end in it.
    /// </summary>
    public static async Task DestroyAsync(LabState state, CommandRunner commands, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(commands);
        var prefix = "sc" + state.Id + "-";
        var existing = (await commands.RunAsync("ip", ["netns", "list"], cancellationToken))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0])
            .ToHashSet(StringComparer.Ordinal);
        foreach (var ns in state.Namespaces.AsEnumerable().Reverse().Concat(existing.Where(n => n.StartsWith(prefix, StringComparison.Ordinal))).Distinct())
        {
            if (existing.Contains(ns))
            {
                await commands.RunAsync("ip", ["netns", "del", ns], cancellationToken);
                if (logger.IsEnabled(LogLevel.Information))
                {
                    logger.LogInformation("Deleted netns {Netns}", ns);
                }
            }
        }

        foreach (var route in state.RootRoutes)
        {
            // Usually gone with its link already.
            await commands.TryRunAsync("ip", ["route", "del", .. route.Split(' ')], cancellationToken);
        }

        foreach (var link in state.RootLinks.Append("sc" + state.Id + "-m").Distinct())
        {
            // The kernel destroys a veth whose peer's namespace was deleted a moment later, asynchronously: gone is done.
            var (exitCode, _, stderr) = await commands.TryRunAsync("ip", ["link", "del", link], cancellationToken);
            if (exitCode != 0 && !stderr.Contains("Cannot find device", StringComparison.Ordinal))
            {
                throw new LabCommandException($"`ip link del {link}` failed with exit code {exitCode}: {stderr.Trim()}");
            }

            if (exitCode == 0)
            {
                if (logger.IsEnabled(LogLevel.Information))
                {
                    logger.LogInformation("Deleted link {Link}", link);
                }
            }
        }
    }

    private Task<bool> HasCutRuleAsync(LabCloud from, LabCloud to, CancellationToken cancellationToken) =>
        HasBlackholeAsync(from.Subnet, to.Subnet, cancellationToken);

    private async Task<bool> HasBlackholeAsync(string from, string to, CancellationToken cancellationToken)
    {
        var rules = await commands.RunAsync("ip", ["-n", Router, "rule", "show"], cancellationToken);
        return rules.Split('\n').Any(line => line.Contains($"from {from} to {to} blackhole", StringComparison.Ordinal));
    }

    // Both directions between the host's address (ip rule prints a /32 as the bare address) and the management /30.
    private (string From, string To)[] ManagementPaths(LabHost host)
    {
        var management = $"{topology.Subnet.Prefix}.255.0/30";
        return [(host.Ip, management), (management, host.Ip)];
    }

    private async Task AddNamespaceAsync(string name, CancellationToken cancellationToken)
    {
        await store.UpdateAsync(s => s.Namespaces.Add(name), cancellationToken);
        await IpAsync(["netns", "add", name], cancellationToken);
        await IpAsync(["-n", name, "link", "set", "lo", "up"], cancellationToken);
    }

    private Task<string> IpAsync(string[] args, CancellationToken cancellationToken) => commands.RunAsync("ip", args, cancellationToken);
}
