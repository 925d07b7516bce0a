using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using SuperCloud.Agent.Contracts.Security;

namespace SuperCloud.NodeAgent.Security;

/// <summary>
/// Obtains and renews the agent's server and client certificates through CertificateSigningRequests, as a kubelet's
/// TLS bootstrap does: a fresh key per certificate that never leaves the host, a request to the operator's signer made
/// with the agent's node-bound token (so the operator certifies the node the token names), and the issued certificate
/// checked — this key, this node's identity, a CA of the trust bundle — before it is written next to its key (0600).
/// A certificate is renewed once two thirds of its lifetime have passed.
/// </summary>
public sealed partial class CertificateRequester(IKubernetes client, NodeAgentOptions options, TimeProvider timeProvider, ILogger<CertificateRequester> logger)
{
    /// <summary>The signer of agents' server certificates (the operator).</summary>
    public const string ServerSigner = "supercloud.dev/node-agent-server";

    /// <summary>The signer of agents' client certificates (the operator).</summary>
    public const string ClientSigner = "supercloud.dev/node-agent-client";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Requests whichever certificate is missing, unreadable or two thirds through its life; returns when both are valid.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        await EnsureAsync(CertificateUsage.Server, options.CertificatePath, options.KeyPath, cancellationToken);
        await EnsureAsync(CertificateUsage.Client, options.ClientCertificatePath, options.ClientKeyPath, cancellationToken);
    }

    /// <summary>When the first of the two certificates should be renewed (now when either is missing).</summary>
    public DateTimeOffset NextRenewal()
    {
        var server = RenewalTime(options.CertificatePath, options.KeyPath);
        var client = RenewalTime(options.ClientCertificatePath, options.ClientKeyPath);
        return server < client ? server : client;
    }

    private async Task EnsureAsync(CertificateUsage usage, string certificatePath, string keyPath, CancellationToken cancellationToken)
    {
        if (RenewalTime(certificatePath, keyPath) > timeProvider.GetUtcNow())
        {
            return;
        }

        var signer = usage == CertificateUsage.Server ? ServerSigner : ClientSigner;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={options.NodeName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(PeerIdentity.Node(options.NodeName).ToUri());
        if (usage == CertificateUsage.Server)
        {
            names.AddDnsName(options.NodeName);
        }

        request.CertificateExtensions.Add(names.Build());
        var kind = usage == CertificateUsage.Server ? "server" : "client";
        var created = await client.CertificatesV1.CreateCertificateSigningRequestAsync(new V1CertificateSigningRequest
        {
            Metadata = new V1ObjectMeta { GenerateName = $"supercloud-{options.NodeName}-{kind}-" },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = Encoding.UTF8.GetBytes(request.CreateSigningRequestPem()),
                SignerName = signer,
                Usages = ["digital signature", usage == CertificateUsage.Server ? "server auth" : "client auth"],
                ExpirationSeconds = (int)options.CertificateLifetime.TotalSeconds,
            },
        }, cancellationToken: cancellationToken);
        LogRequested(created.Metadata.Name, kind, signer);

        var issued = await WaitForCertificateAsync(created.Metadata.Name, cancellationToken);
        using var certificate = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(issued));
        if (!certificate.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            throw new CertificateRequestException($"CertificateSigningRequest {created.Metadata.Name} was answered with a certificate for another key");
        }

        using var withKey = certificate.CopyWithPrivateKey(key);
        using var trust = TrustBundle.FromPemFile(options.CaCertificatePath);
        var (identity, error) = trust.Verify(withKey, usage, timeProvider.GetUtcNow());
        if (identity != PeerIdentity.Node(options.NodeName))
        {
            throw new CertificateRequestException($"the certificate issued for CertificateSigningRequest {created.Metadata.Name} is not usable: {error ?? $"it names {identity}"}");
        }

        // The key first, then the certificate: a reader that sees the new certificate finds its key already in place.
        PrivateFile.Write(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        var temp = certificatePath + ".tmp";
        await File.WriteAllTextAsync(temp, certificate.ExportCertificatePem() + "\n", CancellationToken.None);
        File.Move(temp, certificatePath, overwrite: true);
        LogIssued(kind, certificate.NotAfter);
    }

    private async Task<byte[]> WaitForCertificateAsync(string name, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + options.CertificateRequestTimeout;
        while (true)
        {
            V1CertificateSigningRequest csr;
            try
            {
                csr = await client.CertificatesV1.ReadCertificateSigningRequestAsync(name, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when ((int)e.Response.StatusCode >= 500)
            {
                csr = new V1CertificateSigningRequest();
            }

            if (csr.Status?.Conditions?.FirstOrDefault(c => c.Type is "Denied" or "Failed") is { } refusal)
            {
                throw new CertificateRequestException($"CertificateSigningRequest {name} was {refusal.Type.ToLowerInvariant()}: {refusal.Reason}: {refusal.Message}");
            }

            if (csr.Status?.Certificate is { Length: > 0 } certificate)
            {
                return certificate;
            }

            if (timeProvider.GetUtcNow() > deadline)
            {
                throw new CertificateRequestException(
                    $"CertificateSigningRequest {name} was not answered within {options.CertificateRequestTimeout}: is the operator running with its signer (Operator:Signer)?");
            }

            await Task.Delay(PollInterval, timeProvider, cancellationToken);
        }
    }

    private DateTimeOffset RenewalTime(string certificatePath, string keyPath)
    {
        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
            return PeerIdentity.FromCertificate(certificate) == PeerIdentity.Node(options.NodeName)
                ? notBefore + ((notAfter - notBefore) * 2 / 3)
                : DateTimeOffset.MinValue;
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
        {
            return DateTimeOffset.MinValue;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Requested a {Kind} certificate: CertificateSigningRequest {Name} for signer {Signer}")]
    private partial void LogRequested(string name, string kind, string signer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Received the {Kind} certificate, valid until {NotAfter:u}")]
    private partial void LogIssued(string kind, DateTime notAfter);
}
