using SuperCloud.Crds.Networking;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Networking;

/// <summary>A SuperNode's addresses as the overlay sees them.</summary>
public static class NodeAddresses
{
    /// <summary>The node's tunnel endpoint: spec.underlayIP, or the agent endpoint's host when that is an IPv4 address; null otherwise.</summary>
    public static string? UnderlayIp(SuperNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!string.IsNullOrEmpty(node.Spec?.UnderlayIp))
        {
            return node.Spec.UnderlayIp;
        }

        return AgentHost(node);
    }

    /// <summary>The agent endpoint's host when it is an IPv4 address.</summary>
    public static string? AgentHost(SuperNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var endpoint = node.Spec?.AgentEndpoint;
        var colon = endpoint?.LastIndexOf(':') ?? -1;
        return colon > 0 && Ipv4Prefix.TryParseAddress(endpoint![..colon], out _) ? endpoint[..colon] : null;
    }
}
