using System.Net;
using SuperCloud.Agent.Contracts.Security;

namespace SuperCloud.Agent.Contracts.Tests.Security;

public sealed class PeerIdentityTests
{
    [Theory]
    [InlineData("supercloud://operator", PeerKind.Operator, "operator")]
    [InlineData("supercloud://node/aws-us-east-1-2", PeerKind.Node, "aws-us-east-1-2")]
    public void Identities_round_trip_through_their_uri(string uri, PeerKind kind, string name)
    {
        var identity = PeerIdentity.Parse(uri);

        identity.Should().Be(new PeerIdentity(kind, name));
        PeerIdentity.Parse(identity!.ToUri().AbsoluteUri).Should().Be(identity);
    }

    [Theory]
    [InlineData("supercloud://node/")]
    [InlineData("supercloud://node/a/b")]
    [InlineData("supercloud://operator/x")]
    [InlineData("supercloud://supercloud-operator")]
    [InlineData("https://operator")]
    [InlineData("not a uri")]
    public void Anything_else_is_no_identity(string text) => PeerIdentity.Parse(text).Should().BeNull();

    [Fact]
    public void A_node_named_like_the_operator_is_still_a_node()
    {
        using var ca = CertificateAuthority.Create("test-ca", TimeSpan.FromHours(1), TimeProvider.System);
        using var server = ca.IssueServer("supercloud-operator", ["supercloud-operator"], [IPAddress.Loopback], TimeSpan.FromHours(1));

        PeerIdentity.FromCertificate(server).Should().Be(PeerIdentity.Node("supercloud-operator")).And.NotBe(PeerIdentity.Operator);
    }

    [Fact]
    public void A_certificate_without_a_supercloud_uri_carries_no_identity()
    {
        using var ca = CertificateAuthority.Create("test-ca", TimeSpan.FromHours(1), TimeProvider.System);
        using var user = ca.IssueUser("supercloud-operator", ["system:masters"], TimeSpan.FromHours(1));

        PeerIdentity.FromCertificate(user).Should().BeNull("a common name is no identity");
    }
}
