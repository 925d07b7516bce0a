using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.Lab.ApiServer.Auth;

/// <summary>
/// The lab API server's own CA (ECDSA P-256), as a cluster's <c>/etc/kubernetes/pki/ca.crt</c>: it signs the serving
/// certificate and client certificates whose CN is the user and whose O values are the groups.
/// </summary>
public sealed class LabCertificateAuthority : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private readonly TimeProvider _time;

    private LabCertificateAuthority(X509Certificate2 certificate, TimeProvider time)
    {
        Certificate = certificate;
        _time = time;
    }

    /// <summary>The CA certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>A new self-signed CA, valid for <paramref name="validity"/>.</summary>
    public static LabCertificateAuthority Create(string name, TimeSpan validity, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var self = request.CreateSelfSigned(now.AddMinutes(-5), now + validity);
        return new LabCertificateAuthority(Persist(self), time);
    }

    /// <summary>Loads a CA written by <see cref="Write"/>.</summary>
    public static LabCertificateAuthority Load(string certificatePath, string keyPath, TimeProvider time) =>
        new(Persist(X509Certificate2.CreateFromPemFile(certificatePath, keyPath)), time);

    /// <summary>Writes the certificate (0644) and the key (0600, in a 0700 directory).</summary>
    public void Write(string certificatePath, string keyPath)
    {
        using var key = Certificate.GetECDsaPrivateKey()!;
        Hosts.Posix.WritePrivateFile(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(certificatePath, Certificate.ExportCertificatePem() + "\n");
    }

    /// <summary>A serving certificate for the given DNS names and addresses.</summary>
    public X509Certificate2 IssueServer(string commonName, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses, TimeSpan validity)
    {
        var san = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames)
        {
            san.AddDnsName(dns);
        }

        foreach (var address in addresses)
        {
            san.AddIpAddress(address);
        }

        return Issue(new X500DistinguishedName($"CN={commonName}"), san.Build(), ServerAuth, validity);
    }

    /// <summary>A client certificate for user <paramref name="user"/> in <paramref name="groups"/> (one O each).</summary>
    public X509Certificate2 IssueClient(string user, IEnumerable<string> groups, TimeSpan validity)
    {
        var name = new X500DistinguishedNameBuilder();
        foreach (var group in groups)
        {
            name.AddOrganizationName(group);
        }

        name.AddCommonName(user);
        return Issue(name.Build(), null, ClientAuth, validity);
    }

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();

    private X509Certificate2 Issue(X500DistinguishedName subject, X509Extension? subjectAlternativeName, Oid usage, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        if (subjectAlternativeName is not null)
        {
            request.CertificateExtensions.Add(subjectAlternativeName);
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = _time.GetUtcNow();
        var notAfter = now + validity < Certificate.NotAfter ? now + validity : new DateTimeOffset(Certificate.NotAfter);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(Certificate, now.AddMinutes(-5), notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return Persist(withKey);
    }

    // TLS stacks want a certificate whose key is not ephemeral; a PKCS#12 round trip gives one.
    private static X509Certificate2 Persist(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
}
