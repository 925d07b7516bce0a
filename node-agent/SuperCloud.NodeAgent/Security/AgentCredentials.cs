using SuperCloud.Agent.Contracts.Security;

namespace SuperCloud.NodeAgent.Security;

/// <summary>
/// The agent's two identities on the wire, both naming its node: the server certificate it presents on its port (to the
/// operator and to peer agents sending migrations) and the client certificate it presents when it opens a migration to
/// a peer; and the trust bundle both are checked against. Each reloads when its files change.
/// </summary>
/// <param name="server">Server certificate, key and trust bundle.</param>
/// <param name="client">Client certificate and key (and the same trust bundle).</param>
public sealed class AgentCredentials(TlsCredentials server, TlsCredentials client) : IDisposable
{
    /// <summary>The server side.</summary>
    public TlsCredentials Server { get; } = server;

    /// <summary>The client side.</summary>
    public TlsCredentials Client { get; } = client;

    /// <summary>The CAs whose certificates this agent accepts.</summary>
    public TrustBundle Trust => Server.Trust;

    /// <summary>The problems that keep these credentials from being node <paramref name="nodeName"/>'s, each naming its option.</summary>
    public IReadOnlyList<string> Validate(string nodeName, DateTimeOffset now)
    {
        var errors = new List<string>();
        var expected = PeerIdentity.Node(nodeName);
        foreach (var (option, credentials, usage) in new[] { ("NodeAgent:CertificatePath", Server, CertificateUsage.Server), ("NodeAgent:ClientCertificatePath", Client, CertificateUsage.Client) })
        {
            var (identity, error) = Trust.Verify(credentials.Certificate, usage, now);
            if (identity is null)
            {
                errors.Add($"{option}: {error}");
            }
            else if (identity != expected)
            {
                errors.Add($"{option}: the certificate is {identity}'s, not {expected}'s (NodeAgent:NodeName)");
            }
        }

        return errors;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }
}
