using System.Net;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.NodeAgent.Security;

namespace SuperCloud.NodeAgent.Tests;

/// <summary>A node's server and client certificates from a test CA, as the lab's <c>certs</c> command issues them.</summary>
internal static class TestCredentials
{
    public static readonly TimeSpan Validity = TimeSpan.FromDays(1);

    public static AgentCredentials ForNode(CertificateAuthority ca, string node, params IPAddress[] addresses)
    {
        using var server = ca.IssueServer(node, [node, "localhost"], addresses.Length == 0 ? [IPAddress.Loopback] : addresses, Validity);
        using var client = ca.IssueClient(PeerIdentity.Node(node), Validity);
        return new AgentCredentials(TlsCredentials.FromCertificates(server, ca.Certificate), TlsCredentials.FromCertificates(client, ca.Certificate));
    }
}
