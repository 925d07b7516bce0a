using Microsoft.AspNetCore.Http;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Operator.Subresources;

namespace SuperCloud.Operator.Tests.Subresources;

public sealed class RemoteUserTests : IDisposable
{
    private static readonly TimeSpan Validity = TimeSpan.FromHours(1);
    private readonly CertificateAuthority _frontProxyCa = CertificateAuthority.Create("front-proxy-ca", Validity, TimeProvider.System);
    private readonly CertificateAuthority _otherCa = CertificateAuthority.Create("cluster-ca", Validity, TimeProvider.System);

    [Fact]
    public void The_front_proxy_names_the_user_its_groups_and_extras()
    {
        using var proxy = _frontProxyCa.IssueUser("front-proxy-client", [], Validity);
        var headers = new HeaderDictionary
        {
            ["X-Remote-User"] = "alice",
            ["X-Remote-Group"] = new(["dev", "system:authenticated"]),
            ["X-Remote-Extra-Scopes%2Fread"] = "yes",
        };

        var user = RemoteUser.From(headers, proxy, [_frontProxyCa.Certificate], ["front-proxy-client"]);

        user.Should().NotBeNull();
        user!.Name.Should().Be("alice");
        user.Groups.Should().Equal("dev", "system:authenticated");
        user.Extra.Should().ContainKey("scopes/read").WhoseValue.Should().Equal("yes");
    }

    [Fact]
    public void Groups_folded_into_one_header_line_are_split()
    {
        using var proxy = _frontProxyCa.IssueUser("front-proxy-client", [], Validity);
        var headers = new HeaderDictionary { ["X-Remote-User"] = "alice", ["X-Remote-Group"] = "system:masters, system:authenticated" };

        RemoteUser.From(headers, proxy, [_frontProxyCa.Certificate], [])!.Groups.Should().Equal("system:masters", "system:authenticated");
    }

    [Fact]
    public void Headers_are_not_believed_without_the_front_proxy_certificate()
    {
        var headers = new HeaderDictionary { ["X-Remote-User"] = "system:admin", ["X-Remote-Group"] = "system:masters" };
        using var stranger = _otherCa.IssueUser("front-proxy-client", [], Validity);
        using var wrongName = _frontProxyCa.IssueUser("someone-else", [], Validity);

        RemoteUser.From(headers, null, [_frontProxyCa.Certificate], ["front-proxy-client"]).Should().BeNull("no client certificate");
        RemoteUser.From(headers, stranger, [_frontProxyCa.Certificate], ["front-proxy-client"]).Should().BeNull("signed by another CA");
        RemoteUser.From(headers, wrongName, [_frontProxyCa.Certificate], ["front-proxy-client"]).Should().BeNull("a name not allowed");
    }

    [Fact]
    public void A_request_naming_no_user_is_not_authenticated()
    {
        using var proxy = _frontProxyCa.IssueUser("front-proxy-client", [], Validity);

        RemoteUser.From(new HeaderDictionary(), proxy, [_frontProxyCa.Certificate], []).Should().BeNull();
    }

    public void Dispose()
    {
        _frontProxyCa.Dispose();
        _otherCa.Dispose();
    }
}
