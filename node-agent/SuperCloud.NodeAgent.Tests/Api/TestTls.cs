using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.NodeAgent.Tests.Api;

/// <summary>Client-side mutual TLS as the operator configures it: trust only the cluster CA, present a certificate.</summary>
internal static class TestTls
{
    public static SocketsHttpHandler Handler(X509Certificate2 clusterCa, X509Certificate2? clientCertificate) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && ChainsTo(clusterCa, new X509Certificate2(certificate)),
        },
    };

    private static bool ChainsTo(X509Certificate2 ca, X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
