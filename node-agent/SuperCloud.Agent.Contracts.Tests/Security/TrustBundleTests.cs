using System.Net;
using Microsoft.Extensions.Time.Testing;
using SuperCloud.Agent.Contracts.Security;

namespace SuperCloud.Agent.Contracts.Tests.Security;

public sealed class TrustBundleTests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    [Fact]
    public void A_certificate_of_a_bundle_ca_used_for_its_purpose_yields_its_identity()
    {
        using var ca = CertificateAuthority.Create("cluster", Day, TimeProvider.System);
        using var bundle = new TrustBundle([ca.Certificate]);
        using var server = ca.IssueServer("node-a", ["node-a"], [IPAddress.Loopback], Day);
        using var client = ca.IssueClient(PeerIdentity.Node("node-a"), Day);

        bundle.Verify(server, CertificateUsage.Server, DateTimeOffset.UtcNow).Identity.Should().Be(PeerIdentity.Node("node-a"));
        bundle.Verify(client, CertificateUsage.Client, DateTimeOffset.UtcNow).Identity.Should().Be(PeerIdentity.Node("node-a"));
    }

    [Fact]
    public void Server_and_client_certificates_are_not_interchangeable()
    {
        using var ca = CertificateAuthority.Create("cluster", Day, TimeProvider.System);
        using var bundle = new TrustBundle([ca.Certificate]);
        using var server = ca.IssueServer("node-a", ["node-a"], [], Day);
        using var client = ca.IssueClient(PeerIdentity.Node("node-a"), Day);

        bundle.Verify(server, CertificateUsage.Client, DateTimeOffset.UtcNow).Error.Should().Contain("NotValidForUsage");
        bundle.Verify(client, CertificateUsage.Server, DateTimeOffset.UtcNow).Error.Should().Contain("NotValidForUsage");
    }

    [Fact]
    public void Another_cas_certificate_and_an_expired_one_are_refused_naming_why()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ca = CertificateAuthority.Create("cluster", TimeSpan.FromDays(30), time);
        using var other = CertificateAuthority.Create("other", Day, time);
        using var bundle = new TrustBundle([ca.Certificate]);
        using var stranger = other.IssueClient(PeerIdentity.Operator, Day);
        using var shortLived = ca.IssueClient(PeerIdentity.Operator, TimeSpan.FromHours(1));

        bundle.Verify(stranger, CertificateUsage.Client, time.GetUtcNow()).Identity.Should().BeNull();
        bundle.Verify(shortLived, CertificateUsage.Client, time.GetUtcNow().AddHours(2)).Error.Should().Contain("NotTimeValid");
    }

    [Fact]
    public void During_a_ca_rotation_the_bundle_accepts_both_cas_until_the_old_one_is_dropped()
    {
        using var old = CertificateAuthority.Create("cluster-2025", Day, TimeProvider.System);
        using var next = CertificateAuthority.Create("cluster-2026", Day, TimeProvider.System);
        using var fromOld = old.IssueClient(PeerIdentity.Operator, Day);
        using var fromNext = next.IssueClient(PeerIdentity.Operator, Day);

        using var rotating = new TrustBundle([old.Certificate, next.Certificate]);
        rotating.Verify(fromOld, CertificateUsage.Client, DateTimeOffset.UtcNow).Identity.Should().Be(PeerIdentity.Operator);
        rotating.Verify(fromNext, CertificateUsage.Client, DateTimeOffset.UtcNow).Identity.Should().Be(PeerIdentity.Operator);

        using var rotated = new TrustBundle([next.Certificate]);
        rotated.Verify(fromOld, CertificateUsage.Client, DateTimeOffset.UtcNow).Identity.Should().BeNull();
    }
}
