using Microsoft.Extensions.Time.Testing;
using SuperCloud.Agent.Contracts.Security;

namespace SuperCloud.Agent.Contracts.Tests.Security;

public sealed class TlsCredentialsTests : IDisposable
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sc-reload-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Renewed_files_are_picked_up_at_the_next_check_and_broken_ones_keep_the_current()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ca = CertificateAuthority.Create("cluster", Day, time);
        Write(ca, ca.IssueClient(PeerIdentity.Operator, Day));
        var failures = new List<Exception>();
        using var credentials = TlsCredentials.FromFiles(Path.Combine(_directory, "tls.crt"), Path.Combine(_directory, "tls.key"), Path.Combine(_directory, "ca.crt"),
            TimeSpan.FromSeconds(10), time, failures.Add);
        var first = credentials.Certificate.SerialNumber;

        Write(ca, ca.IssueClient(PeerIdentity.Operator, Day));
        credentials.Certificate.SerialNumber.Should().Be(first, "nothing is re-read before the next check");
        time.Advance(TimeSpan.FromSeconds(10));
        credentials.Certificate.SerialNumber.Should().NotBe(first);
        credentials.Generation.Should().Be(2);

        var renewed = credentials.Certificate.SerialNumber;
        File.WriteAllText(Path.Combine(_directory, "tls.crt"), "not a certificate");
        time.Advance(TimeSpan.FromSeconds(10));
        credentials.Certificate.SerialNumber.Should().Be(renewed);
        failures.Should().NotBeEmpty();
    }

    [Fact]
    public void A_new_ca_in_the_bundle_is_trusted_after_the_reload()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ca = CertificateAuthority.Create("cluster", Day, time);
        using var next = CertificateAuthority.Create("cluster-next", Day, time);
        Write(ca, ca.IssueClient(PeerIdentity.Operator, Day));
        using var credentials = TlsCredentials.FromFiles(Path.Combine(_directory, "tls.crt"), Path.Combine(_directory, "tls.key"), Path.Combine(_directory, "ca.crt"),
            TimeSpan.FromSeconds(10), time);
        using var fromNext = next.IssueClient(PeerIdentity.Node("n1"), Day);
        credentials.Trust.Verify(fromNext, CertificateUsage.Client, time.GetUtcNow()).Identity.Should().BeNull();

        File.WriteAllText(Path.Combine(_directory, "ca.crt"), ca.Certificate.ExportCertificatePem() + "\n" + next.Certificate.ExportCertificatePem() + "\n");
        time.Advance(TimeSpan.FromSeconds(10));

        credentials.Trust.Verify(fromNext, CertificateUsage.Client, time.GetUtcNow()).Identity.Should().Be(PeerIdentity.Node("n1"));
    }

    private void Write(CertificateAuthority ca, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        CertificateAuthority.WritePem(certificate, _directory, "tls");
        File.WriteAllText(Path.Combine(_directory, "ca.crt"), ca.Certificate.ExportCertificatePem() + "\n");
        certificate.Dispose();
    }
}
