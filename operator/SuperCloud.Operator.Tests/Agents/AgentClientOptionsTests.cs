using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Operator.Agents;

namespace SuperCloud.Operator.Tests.Agents;

public sealed class AgentClientOptionsTests
{
    [Fact]
    public void FromPemFiles_loads_the_trust_bundle_and_a_client_certificate_with_its_key()
    {
        var dir = Directory.CreateTempSubdirectory("scop-pem").FullName;
        try
        {
            using var ca = CertificateAuthority.Create("test-cluster-ca", TimeSpan.FromDays(1), TimeProvider.System);
            using var client = ca.IssueClient(PeerIdentity.Operator, TimeSpan.FromDays(1));
            File.WriteAllText(Path.Combine(dir, "ca.crt"), ca.Certificate.ExportCertificatePem());
            CertificateAuthority.WritePem(client, dir, "operator");

            using var credentials = AgentClientOptions.FromPemFiles(Path.Combine(dir, "ca.crt"), Path.Combine(dir, "operator.crt"), Path.Combine(dir, "operator.key"),
                TimeSpan.Zero, TimeProvider.System).Credentials;

            credentials.Trust.Authorities.Should().ContainSingle().Which.Thumbprint.Should().Be(ca.Certificate.Thumbprint);
            credentials.Certificate.Thumbprint.Should().Be(client.Thumbprint);
            credentials.Certificate.HasPrivateKey.Should().BeTrue();
            credentials.Identity.Should().Be(PeerIdentity.Operator);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Validate_names_a_non_positive_CallTimeout()
    {
        using var ca = CertificateAuthority.Create("test-cluster-ca", TimeSpan.FromDays(1), TimeProvider.System);
        using var client = ca.IssueClient(PeerIdentity.Operator, TimeSpan.FromDays(1));
        var options = new AgentClientOptions { Credentials = TlsCredentials.FromCertificates(client, ca.Certificate), CallTimeout = TimeSpan.Zero };

        var act = options.Validate;

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("agent CallTimeout must be positive*").Which.ParamName.Should().Be("CallTimeout");
    }
}
