using System.Security.Cryptography;
using Google.Protobuf;
using SuperCloud.Crds.Networking;
using SuperCloud.Crds.V1Alpha1;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Networking;

/// <summary>
/// The overlay's desired state as every agent gets it: the accepted networks and pools, every SuperPod interface with
/// the node it runs on (status.node: during a migration the source, until the switch-over moves it), every node's tunnel
/// endpoint and agent address. An interface that would make the table invalid (an address or MAC held twice, an address
/// outside the accepted pools) is left out, so one bad status cannot stop every host's overlay. Its generation is a
/// digest of the content: a table that did not change has the same one.
/// </summary>
public static class NetworkTable
{
    /// <summary>The table for <paramref name="catalog"/>, <paramref name="pods"/> and <paramref name="nodes"/>.</summary>
    public static V1.NetworkConfig Build(OverlayCatalog catalog, IEnumerable<SuperPod> pods, IEnumerable<SuperNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(nodes);
        var config = new V1.NetworkConfig { GatewayMac = MacAddresses.Gateway, Mtu = catalog.Mtu };
        foreach (var network in catalog.Networks)
        {
            var entry = new V1.OverlayNetwork { Name = network.Name, Vni = network.Vni };
            entry.Pools.AddRange(network.Pools.Select(p => new V1.OverlayPool { Cidr = p.Cidr.ToString(), Gateway = Ipv4Prefix.FormatAddress(p.Gateway), Cluster = p.Cluster }));
            config.Networks.Add(entry);
        }

        var pools = catalog.Networks.SelectMany(n => n.Pools).ToList();
        foreach (var node in nodes.OrderBy(n => n.Metadata.Name, StringComparer.Ordinal))
        {
            if (NodeAddresses.UnderlayIp(node) is not { } underlay || !Ipv4Prefix.TryParseAddress(underlay, out var underlayAddress)
                || pools.Any(p => p.Cidr.Contains(underlayAddress)))
            {
                continue;
            }

            var entry = new V1.NetworkNode { Name = node.Metadata.Name, UnderlayIp = underlay };
            if (NodeAddresses.AgentHost(node) is { } agent && agent != underlay && Ipv4Prefix.TryParseAddress(agent, out var agentAddress)
                && !pools.Any(p => p.Cidr.Contains(agentAddress)))
            {
                entry.Addresses.Add(agent);
            }

            config.Nodes.Add(entry);
        }

        var addresses = new HashSet<string>(StringComparer.Ordinal);
        var macs = new HashSet<(uint, string)>();
        foreach (var pod in pods.Where(p => !string.IsNullOrEmpty(p.Status?.Node)).OrderBy(p => p.Metadata.CreationTimestamp).ThenBy(p => p.Metadata.Uid, StringComparer.Ordinal))
        {
            foreach (var nic in pod.Status!.Interfaces ?? [])
            {
                if (nic.Ip is not { } ip || nic.Mac is not { } mac || nic.Overlay is not { } overlay || catalog.Network(overlay) is not { } network
                    || !Ipv4Prefix.TryParseAddress(ip, out var address) || network.PoolContaining(address)?.IsAssignable(address) != true
                    || !addresses.Add(ip) || !macs.Add((network.Vni, mac)))
                {
                    continue;
                }

                config.Endpoints.Add(new V1.NetworkEndpoint
                {
                    VmId = pod.Metadata.Uid.ToLowerInvariant(),
                    Interface = nic.Name,
                    Ip = ip,
                    Mac = mac,
                    Vni = network.Vni,
                    Node = pod.Status.Node,
                    Superpod = $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}",
                });
            }
        }

        config.Generation = Convert.ToHexStringLower(SHA256.HashData(config.ToByteArray()))[..16];
        return config;
    }
}
