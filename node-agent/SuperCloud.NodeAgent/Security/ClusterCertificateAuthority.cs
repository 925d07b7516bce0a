using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.NodeAgent.Security;

/// <summary>
/// The cluster CA that signs the operator's and every agent's certificate (ECDSA P-256). Used by tests and the lab to
/// mint certificates; in a cluster the chart provides them from Secrets and only <see cref="Certificate"/> is loaded.
/// </summary>
public sealed class ClusterCertificateAuthority : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly TimeProvider _timeProvider;

    private ClusterCertificateAuthority(X509Certificate2 certificate, TimeProvider timeProvider)
    {
        Certificate = certificate;
        _timeProvider = timeProvider;
    }

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Creates a new self-signed CA named <paramref name="name"/>, valid for <paramref name="validity"/>.</summary>
    public static ClusterCertificateAuthority Create(string name, TimeSpan validity, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(timeProvider);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = timeProvider.GetUtcNow();
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now + validity);
        return new ClusterCertificateAuthority(Persist(cert), timeProvider);
    }

    /// <summary>Loads a CA (certificate and private key) from PEM text.</summary>
    public static ClusterCertificateAuthority FromPem(string certificatePem, string keyPem, TimeProvider timeProvider) =>
        new(Persist(X509Certificate2.CreateFromPem(certificatePem, keyPem)), timeProvider);

    /// <summary>Issues a server certificate for an agent: CN <paramref name="commonName"/>, SANs for every DNS name and IP it is reached at.</summary>
    public X509Certificate2 IssueServerCertificate(string commonName, IEnumerable<string> dnsNames, IEnumerable<IPAddress> ipAddresses, TimeSpan validity)
    {
        var san = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames)
        {
            san.AddDnsName(dns);
        }

        foreach (var ip in ipAddresses)
        {
            san.AddIpAddress(ip);
        }

        return Issue(commonName, san.Build(), [ServerAuth, ClientAuth], validity);
    }

    /// <summary>Issues a client certificate whose identity (CN and URI SAN <c>supercloud://identity</c>) is <paramref name="identity"/>.</summary>
    public X509Certificate2 IssueClientCertificate(string identity, TimeSpan validity)
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri($"supercloud://{identity}"));
        return Issue(identity, san.Build(), [ClientAuth], validity);
    }

    /// <summary>Writes <paramref name="certificate"/> as <c>{name}.crt</c> and its key as <c>{name}.key</c> (mode 0600) into <paramref name="directory"/>.</summary>
    public static void WritePem(X509Certificate2 certificate, string directory, string name)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name + ".crt"), certificate.ExportCertificatePem() + "\n");
        var keyPath = Path.Combine(directory, name + ".key");
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException($"certificate {certificate.Subject} has no ECDSA private key");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();

    private X509Certificate2 Issue(string commonName, X509Extension subjectAlternativeName, Oid[] usages, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrEmpty(commonName);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={commonName}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var ekus = new OidCollection();
        foreach (var usage in usages)
        {
            ekus.Add(usage);
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ekus, false));
        request.CertificateExtensions.Add(subjectAlternativeName);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = _timeProvider.GetUtcNow();
        var notAfter = now + validity < Certificate.NotAfter ? now + validity : new DateTimeOffset(Certificate.NotAfter);
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f;
        using var issued = request.Create(Certificate, now.AddMinutes(-5), notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return Persist(withKey);
    }

    // TLS stacks want a certificate whose key is not ephemeral; a PKCS#12 round trip gives one on every platform.
    private static X509Certificate2 Persist(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
}
