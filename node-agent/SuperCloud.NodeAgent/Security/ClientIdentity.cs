using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.NodeAgent.Security;

/// <summary>Verifies that a client certificate chains to the cluster CA and extracts the identity it carries.</summary>
/// <param name="clusterCa">The cluster CA certificate (public part is enough).</param>
/// <param name="timeProvider">The clock used for validity checks.</param>
public sealed class ClientIdentity(X509Certificate2 clusterCa, TimeProvider timeProvider)
{
    private static readonly string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>Returns the certificate's identity (its CN), or the reason the certificate is not acceptable.</summary>
    public (string? Identity, string? Error) Verify(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return (null, "client certificate required: this agent only accepts mutual TLS from the cluster CA");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(clusterCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = timeProvider.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ClientAuthOid));
        if (!chain.Build(certificate))
        {
            var reasons = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
            return (null, $"client certificate '{certificate.Subject}' is not valid for this cluster ({reasons})");
        }

        // CustomRootTrust accepts any chain ending in the store; make sure it ends at our CA and not at another root.
        var root = chain.ChainElements[^1].Certificate;
        if (!root.RawDataMemory.Span.SequenceEqual(clusterCa.RawDataMemory.Span))
        {
            return (null, $"client certificate '{certificate.Subject}' is not issued by the cluster CA");
        }

        var identity = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrEmpty(identity) ? (null, "client certificate has no common name") : (identity, null);
    }
}
