using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.Agent.Contracts.Security;

/// <summary>
/// A CA with its private key (ECDSA P-256) that issues the certificates SuperCloud components present: each node
/// agent's server and client certificates and the operator's client certificate (identities as
/// <see cref="PeerIdentity"/> URIs), certificates signed from a node's certificate signing request, and plain
/// CN/O certificates (the lab API server's users).
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly TimeProvider _time;

    private CertificateAuthority(X509Certificate2 certificate, TimeProvider time)
    {
        Certificate = certificate;
        _time = time;
    }

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>A new self-signed CA named <paramref name="name"/>, valid for <paramref name="validity"/>.</summary>
    public static CertificateAuthority Create(string name, TimeSpan validity, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(time);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var self = request.CreateSelfSigned(now.AddMinutes(-5), now + validity);
        return new CertificateAuthority(Persist(self), time);
    }

    /// <summary>Loads a CA from PEM text (certificate and private key).</summary>
    public static CertificateAuthority FromPem(string certificatePem, string keyPem, TimeProvider time) =>
        new(Persist(X509Certificate2.CreateFromPem(certificatePem, keyPem)), time);

    /// <summary>Loads a CA from PEM files (as mounted from a kubernetes.io/tls Secret).</summary>
    public static CertificateAuthority FromPemFiles(string certificatePath, string keyPath, TimeProvider time) =>
        new(Persist(X509Certificate2.CreateFromPemFile(certificatePath, keyPath)), time);

    /// <summary>An agent's server certificate: identity node/<paramref name="node"/>, DNS and IP names it is reached at.</summary>
    public X509Certificate2 IssueServer(string node, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses, TimeSpan validity) =>
        Issue(new X500DistinguishedName($"CN={node}"), PeerIdentity.Node(node), dnsNames, addresses, CertificateUsage.Server, validity, null);

    /// <summary>A client certificate for <paramref name="identity"/> (an agent opening migrations, or the operator).</summary>
    public X509Certificate2 IssueClient(PeerIdentity identity, TimeSpan validity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var commonName = identity.Kind == PeerKind.Operator ? "supercloud-operator" : identity.Name;
        return Issue(new X500DistinguishedName($"CN={commonName}"), identity, [], [], CertificateUsage.Client, validity, null);
    }

    /// <summary>A client certificate for a Kubernetes user: CN <paramref name="user"/>, one O per group, no SuperCloud identity.</summary>
    public X509Certificate2 IssueUser(string user, IEnumerable<string> groups, TimeSpan validity)
    {
        var name = new X500DistinguishedNameBuilder();
        foreach (var group in groups)
        {
            name.AddOrganizationName(group);
        }

        name.AddCommonName(user);
        return Issue(name.Build(), null, [], [], CertificateUsage.Client, validity, null);
    }

    /// <summary>A serving certificate without a SuperCloud identity (the lab API server's).</summary>
    public X509Certificate2 IssueServing(string commonName, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses, TimeSpan validity) =>
        Issue(new X500DistinguishedName($"CN={commonName}"), null, dnsNames, addresses, CertificateUsage.Server, validity, null);

    /// <summary>
    /// Signs the public key of a PKCS#10 request (PEM) for <paramref name="identity"/> and <paramref name="usage"/>. The
    /// subject and names come from the arguments, never from the request: the signer decides what it vouches for.
    /// Returns the certificate without a private key (the requester keeps it). Throws <see cref="CryptographicException"/>
    /// for a request that is malformed or whose signature does not verify.
    /// </summary>
    public X509Certificate2 Sign(string requestPem, PeerIdentity identity, CertificateUsage usage, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses, TimeSpan validity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var request = CertificateRequest.LoadSigningRequestPem(requestPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        var commonName = identity.Kind == PeerKind.Operator ? "supercloud-operator" : identity.Name;
        return Issue(new X500DistinguishedName($"CN={commonName}"), identity, dnsNames, addresses, usage, validity, request.PublicKey);
    }

    /// <summary>Writes the certificate as <c>NAME.crt</c> and its key as <c>NAME.key</c> (0600, in a 0700 directory).</summary>
    public static void WritePem(X509Certificate2 certificate, string directory, string name)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException($"certificate {certificate.Subject} has no ECDSA private key");
        PrivateFile.Write(Path.Combine(directory, name + ".key"), key.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(Path.Combine(directory, name + ".crt"), certificate.ExportCertificatePem() + "\n");
    }

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();

    private X509Certificate2 Issue(
        X500DistinguishedName subject, PeerIdentity? identity, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses, CertificateUsage usage, TimeSpan validity,
        PublicKey? requestedKey)
    {
        using var key = requestedKey is null ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
        var request = key is null ? new CertificateRequest(subject, requestedKey!, HashAlgorithmName.SHA256) : new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage == CertificateUsage.Server ? ServerAuth : ClientAuth], false));
        var san = new SubjectAlternativeNameBuilder();
        var hasNames = false;
        if (identity is not null)
        {
            san.AddUri(identity.ToUri());
            hasNames = true;
        }

        foreach (var dns in dnsNames)
        {
            san.AddDnsName(dns);
            hasNames = true;
        }

        foreach (var address in addresses)
        {
            san.AddIpAddress(address);
            hasNames = true;
        }

        if (hasNames)
        {
            request.CertificateExtensions.Add(san.Build());
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = _time.GetUtcNow();
        var notAfter = now + validity < Certificate.NotAfter ? now + validity : new DateTimeOffset(Certificate.NotAfter);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(Certificate, now.AddMinutes(-5), notAfter, serial);
        if (key is null)
        {
            return X509CertificateLoader.LoadCertificate(issued.RawData);
        }

        using var withKey = issued.CopyWithPrivateKey(key);
        return Persist(withKey);
    }

    // TLS stacks want a certificate whose key is not ephemeral; a PKCS#12 round trip gives one.
    private static X509Certificate2 Persist(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
}
