using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SuperCloud.Agent.Contracts.Security;

namespace SuperCloud.Agent.Contracts.Tests.Security;

public sealed class CertificateAuthorityTests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    [Fact]
    public void Signing_a_request_vouches_only_for_the_identity_the_signer_chose()
    {
        using var ca = CertificateAuthority.Create("cluster", Day, TimeProvider.System);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=supercloud-operator", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(PeerIdentity.Operator.ToUri());
        request.CertificateExtensions.Add(san.Build());

        using var signed = ca.Sign(request.CreateSigningRequestPem(), PeerIdentity.Node("node-a"), CertificateUsage.Server, ["node-a"], [IPAddress.Parse("10.0.0.7")], Day);

        PeerIdentity.FromCertificate(signed).Should().Be(PeerIdentity.Node("node-a"), "the request asked for the operator; the signer decides");
        signed.HasPrivateKey.Should().BeFalse();
        signed.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo().Should().Equal(key.ExportSubjectPublicKeyInfo());
        using var bundle = new TrustBundle([ca.Certificate]);
        using var withKey = signed.CopyWithPrivateKey(key);
        bundle.Verify(withKey, CertificateUsage.Server, DateTimeOffset.UtcNow).Identity.Should().Be(PeerIdentity.Node("node-a"));
    }

    [Fact]
    public void A_request_that_is_not_a_signed_pkcs10_is_refused()
    {
        using var ca = CertificateAuthority.Create("cluster", Day, TimeProvider.System);

        ca.Invoking(c => c.Sign("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----", PeerIdentity.Node("a"), CertificateUsage.Client, [], [], Day))
            .Should().Throw<CryptographicException>();
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Private_keys_are_written_0600_in_a_0700_directory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "sc-pki-" + Guid.NewGuid().ToString("N")[..8], "tls");
        try
        {
            using var ca = CertificateAuthority.Create("cluster", Day, TimeProvider.System);
            using var client = ca.IssueClient(PeerIdentity.Operator, Day);

            CertificateAuthority.WritePem(client, directory, "operator");

            File.GetUnixFileMode(Path.Combine(directory, "operator.key")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(directory).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            File.Exists(Path.Combine(directory, "operator.key.tmp")).Should().BeFalse();
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
        }
    }
}
