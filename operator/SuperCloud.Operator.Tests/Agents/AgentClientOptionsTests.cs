extern alias nodeagent;

using nodeagent::SuperCloud.NodeAgent.Security;
using SuperCloud.Operator.Agents;

namespace SuperCloud.Operator.Tests.Agents;

public sealed class AgentClientOptionsTests
{
    [Fact]
    public void FromPemFiles_loads_the_CA_and_a_client_certificate_with_its_key()
    {
        var dir = Directory.CreateTempSubdirectory("scop-pem").FullName;
        try
        {
            using var ca = ClusterCertificateAuthority.Create("test-cluster-ca", TimeSpan.FromDays(1), TimeProvider.System);
            using var client = ca.IssueClientCertificate("supercloud-operator", TimeSpan.FromDays(1));
            File.WriteAllText(Path.Combine(dir, "ca.crt"), ca.Certificate.ExportCertificatePem());
            ClusterCertificateAuthority.WritePem(client, dir, "operator");

            var options = AgentClientOptions.FromPemFiles(Path.Combine(dir, "ca.crt"), Path.Combine(dir, "operator.crt"), Path.Combine(dir, "operator.key"));

            options.ClusterCa.Thumbprint.Should().Be(ca.Certificate.Thumbprint);
            options.ClientCertificate.Thumbprint.Should().Be(client.Thumbprint);
            options.ClientCertificate.HasPrivateKey.Should().BeTrue();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Validate_names_a_non_positive_CallTimeout()
    {
        using var ca = ClusterCertificateAuthority.Create("test-cluster-ca", TimeSpan.FromDays(1), TimeProvider.System);
        var options = new AgentClientOptions { ClusterCa = ca.Certificate, ClientCertificate = ca.IssueClientCertificate("supercloud-operator", TimeSpan.FromDays(1)), CallTimeout = TimeSpan.Zero };

        var act = options.Validate;

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("agent CallTimeout must be positive*").Which.ParamName.Should().Be("CallTimeout");
    }
}
