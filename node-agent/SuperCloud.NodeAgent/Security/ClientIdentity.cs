using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.NodeAgent.Security;

/// <summary>Verifies that a client certificate chains to the cluster CA and extracts the identity it carries.</summary>
/// <param name="clusterCa">The cluster CA certificate (public part is enough).</param>
/// <param name="timeProvider">The clock used for validity checks.</param>
public sealed class ClientIdentity(X509Certificate2 clusterCa, TimeProvider timeProvider)
{
    private static readonly string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private static readonly string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>Returns the certificate's identity (its CN), or the reason the certificate is not acceptable.</summary>
    public (string? Identity, string? Error) Verify(X509Certificate2? certificate) => Verify(certificate, server: false);

    /// <summary>
    /// Like <see cref="Verify(X509Certificate2?)"/>, for the certificate a peer agent presents as a TLS server
    /// (<paramref name="server"/>: it must allow server authentication instead of client authentication).
    /// </summary>
    public (string? Identity, string? Error) Verify(X509Certificate2? certificate, bool server)
    {
        if (certificate is null)
        {
            return (null, server ? "the peer presented no certificate" : "client certificate required: this agent only accepts mutual TLS from the cluster CA");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(clusterCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = timeProvider.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(server ? ServerAuthOid : ClientAuthOid));
        if (!chain.Build(certificate))
        {
            var reasons = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
            return (null, $"{(server ? "server" : "client")} certificate '{certificate.Subject}' is not valid for this cluster ({reasons})");
        }

        // CustomRootTrust accepts any chain ending in the store; make sure it ends at our CA and not at another root.
        var root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(clusterCa.RawDataMemory.Span))
        {
            return (null, $"{(server ? "server" : "client")} certificate '{certificate.Subject}' is not issued by the cluster CA");
        }

        var identity = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrEmpty(identity) ? (null, "the certificate has no common name") : (identity, null);
    }
}
