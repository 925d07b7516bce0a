using System.Text.RegularExpressions;
using SuperCloud.Crds.Networking;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Network;

/// <summary>
/// Validates a pushed <see cref="V1.NetworkConfig"/> and turns it into an <see cref="OverlayState"/>: every problem is
/// reported with the field it is in (<c>endpoints[3].ip</c>), and a config with any problem is refused whole, so the
/// flows in force stay as they are.
/// </summary>
public static partial class NetworkConfigReader
{
    /// <summary>The largest VXLAN network identifier (24 bits).</summary>
    public const uint MaxVni = 0xFFFFFF;

    /// <summary>Reads <paramref name="config"/>; null with <paramref name="errors"/> when it is not valid.</summary>
    public static OverlayState? Read(V1.NetworkConfig config, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = new List<string>();
        if (string.IsNullOrEmpty(config.Generation))
        {
            problems.Add("generation: is required");
        }

        var gatewayMac = config.GatewayMac.ToLowerInvariant();
        if (!IsUnicastMac(gatewayMac))
        {
            problems.Add($"gatewayMac: must be a unicast MAC like 02:5c:00:00:00:01, got '{config.GatewayMac}'");
        }

        if (config.Mtu is < 576 or > 9000)
        {
            problems.Add($"mtu: must be between 576 and 9000, got {config.Mtu}");
        }

        var networks = new List<OverlaySegment>();
        var pools = new List<(Ipv4Prefix Cidr, string Field)>();
        for (var i = 0; i < config.Networks.Count; i++)
        {
            var network = config.Networks[i];
            var field = $"networks[{i}]";
            if (!DnsLabel().IsMatch(network.Name))
            {
                problems.Add($"{field}.name: must be a DNS label, got '{network.Name}'");
            }
            else if (networks.Any(n => n.Name == network.Name))
            {
                problems.Add($"{field}.name: network '{network.Name}' is declared twice");
            }

            if (network.Vni is 0 or > MaxVni)
            {
                problems.Add($"{field}.vni: must be between 1 and {MaxVni}, got {network.Vni}");
            }
            else if (networks.FirstOrDefault(n => n.Vni == network.Vni) is { } same)
            {
                problems.Add($"{field}.vni: {network.Vni} is also the VNI of network '{same.Name}'");
            }

            var segmentPools = new List<OverlayPool>();
            for (var j = 0; j < network.Pools.Count; j++)
            {
                var pool = network.Pools[j];
                var poolField = $"{field}.pools[{j}]";
                if (!Ipv4Prefix.TryParse(pool.Cidr, out var cidr, out var error))
                {
                    problems.Add($"{poolField}.cidr: {error}");
                    continue;
                }

                if (cidr.Length > 30)
                {
                    problems.Add($"{poolField}.cidr: {cidr} leaves no room for a gateway and interfaces (at most /30)");
                    continue;
                }

                if (pools.FirstOrDefault(p => p.Cidr.Overlaps(cidr)) is { Field: not null } overlap)
                {
                    problems.Add($"{poolField}.cidr: {cidr} overlaps {overlap.Cidr} ({overlap.Field})");
                }

                if (!Ipv4Prefix.TryParseAddress(pool.Gateway, out var gateway) || !cidr.Contains(gateway) || gateway == cidr.Network || gateway == cidr.Broadcast)
                {
                    problems.Add($"{poolField}.gateway: must be a host address of {cidr}, got '{pool.Gateway}'");
                }

                pools.Add((cidr, $"{poolField}.cidr"));
                segmentPools.Add(new OverlayPool(cidr, gateway, pool.Cluster));
            }

            networks.Add(new OverlaySegment(network.Name, network.Vni, segmentPools));
        }

        var nodes = new List<OverlayNode>();
        for (var i = 0; i < config.Nodes.Count; i++)
        {
            var node = config.Nodes[i];
            var field = $"nodes[{i}]";
            if (string.IsNullOrEmpty(node.Name) || nodes.Any(n => n.Name == node.Name))
            {
                problems.Add($"{field}.name: must be a unique node name, got '{node.Name}'");
            }

            if (!Ipv4Prefix.TryParseAddress(node.UnderlayIp, out var underlay))
            {
                problems.Add($"{field}.underlayIp: must be an IPv4 address, got '{node.UnderlayIp}'");
            }

            var addresses = new List<uint>();
            for (var j = 0; j < node.Addresses.Count; j++)
            {
                if (!Ipv4Prefix.TryParseAddress(node.Addresses[j], out var address))
                {
                    problems.Add($"{field}.addresses[{j}]: must be an IPv4 address, got '{node.Addresses[j]}'");
                }
                else
                {
                    addresses.Add(address);
                }
            }

            foreach (var address in addresses.Append(underlay))
            {
                if (pools.FirstOrDefault(p => p.Cidr.Contains(address)) is { Field: not null } inside)
                {
                    problems.Add($"{field}: address {Ipv4Prefix.FormatAddress(address)} lies in the overlay pool {inside.Cidr} ({inside.Field})");
                }
            }

            nodes.Add(new OverlayNode(node.Name, underlay, addresses));
        }

        var endpoints = new List<OverlayEndpoint>();
        var byIp = new Dictionary<uint, string>();
        var byMac = new Dictionary<(uint, string), string>();
        for (var i = 0; i < config.Endpoints.Count; i++)
        {
            var endpoint = config.Endpoints[i];
            var field = $"endpoints[{i}]";
            var owner = string.IsNullOrEmpty(endpoint.Superpod) ? endpoint.VmId : endpoint.Superpod;
            if (!DnsLabel().IsMatch(endpoint.VmId))
            {
                problems.Add($"{field}.vmId: must be a DNS label, got '{endpoint.VmId}'");
            }

            var network = networks.FirstOrDefault(n => n.Vni == endpoint.Vni);
            if (network is null)
            {
                problems.Add($"{field}.vni: {endpoint.Vni} is the VNI of no network in networks");
            }

            if (!Ipv4Prefix.TryParseAddress(endpoint.Ip, out var ip))
            {
                problems.Add($"{field}.ip: must be an IPv4 address, got '{endpoint.Ip}'");
            }
            else if (network is not null && !network.Pools.Any(p => p.Cidr.Contains(ip) && ip != p.Gateway && ip != p.Cidr.Network && ip != p.Cidr.Broadcast))
            {
                problems.Add($"{field}.ip: {endpoint.Ip} is no host address of a pool of network '{network.Name}' other than its gateway");
            }
            else if (!byIp.TryAdd(ip, owner))
            {
                problems.Add($"{field}.ip: {endpoint.Ip} is also the address of {byIp[ip]}");
            }

            var mac = endpoint.Mac.ToLowerInvariant();
            if (!IsUnicastMac(mac) || mac == gatewayMac)
            {
                problems.Add($"{field}.mac: must be a unicast MAC other than the gateway's, got '{endpoint.Mac}'");
            }
            else if (!byMac.TryAdd((endpoint.Vni, mac), owner))
            {
                problems.Add($"{field}.mac: {mac} is also the MAC of {byMac[(endpoint.Vni, mac)]} in the same network");
            }

            if (string.IsNullOrEmpty(endpoint.Node))
            {
                problems.Add($"{field}.node: is required");
            }

            endpoints.Add(new OverlayEndpoint(endpoint.VmId, endpoint.Interface, ip, mac, endpoint.Vni, endpoint.Node, owner));
        }

        errors = problems;
        return problems.Count > 0 ? null : new OverlayState(config.Generation, gatewayMac, config.Mtu, networks, endpoints, nodes);
    }

    /// <summary>Whether <paramref name="mac"/> is a lower-case colon-separated unicast MAC.</summary>
    public static bool IsUnicastMac(string mac) => Mac().IsMatch(mac) && (Convert.ToByte(mac[..2], 16) & 1) == 0;

    [GeneratedRegex("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")]
    private static partial Regex Mac();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
