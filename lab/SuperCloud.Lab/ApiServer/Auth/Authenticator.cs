using System.Security.Cryptography.X509Certificates;

namespace SuperCloud.Lab.ApiServer.Auth;

/// <summary>
/// Turns a request's credentials into a <see cref="UserInfo"/>, as kube-apiserver's union of authenticators: a client
/// certificate of the client CA (CN the user, O the groups), a bearer token (a static token, or a ServiceAccount token
/// this server issued whose ServiceAccount and bound Pod still exist). Without credentials a request on the TLS listener
/// is anonymous; on the plain-HTTP listener — the lab's insecure port, reachable only where the lab puts it — it is the
/// administrator. Credentials that are presented but invalid are refused (401), never downgraded.
/// </summary>
internal sealed class Authenticator(
    ObjectStore store, ServiceAccountTokens tokens, IReadOnlyDictionary<string, UserInfo> staticTokens, X509Certificate2Collection? clientAuthorities, TimeProvider time)
{
    private static readonly ApiResource ServiceAccounts = BuiltInResources.All.Single(r => r.Plural == "serviceaccounts");
    private static readonly ApiResource Pods = BuiltInResources.All.Single(r => r.Plural == "pods");
    private static readonly ApiResource Nodes = BuiltInResources.All.Single(r => r.Plural == "nodes");

    /// <summary>The user of <paramref name="context"/>'s request; throws 401 for credentials that do not verify.</summary>
    public UserInfo Authenticate(HttpContext context)
    {
        var failed = false;
        if (context.Connection.ClientCertificate is { } certificate)
        {
            if (VerifyCertificate(certificate) is { } user)
            {
                return user;
            }

            failed = true;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = header["Bearer ".Length..].Trim();
            if (staticTokens.TryGetValue(token, out var known))
            {
                return known;
            }

            if (tokens.Verify(token) is { } claims && BindingsExist(claims))
            {
                return ServiceAccountTokens.User(claims);
            }

            failed = true;
        }

        if (failed)
        {
            throw new StatusException(401, "Unauthorized", "Unauthorized");
        }

        return context.Request.IsHttps ? UserInfo.Anonymous : UserInfo.Admin;
    }

    // A token outlives neither its ServiceAccount nor the Pod or Node it is bound to (matched by uid: a new object of the
    // same name does not revive it).
    private bool BindingsExist(ServiceAccountTokens.Claims claims)
    {
        var account = store.Peek(ServiceAccounts, claims.Namespace, claims.ServiceAccount);
        if (account is null || Json.MetaStr(account, "uid") != claims.ServiceAccountUid)
        {
            return false;
        }

        if (claims.PodName is not null)
        {
            var pod = store.Peek(Pods, claims.Namespace, claims.PodName);
            return pod is not null && Json.MetaStr(pod, "uid") == claims.PodUid && !Json.IsDeleting(pod);
        }

        if (claims.NodeName is not null && !string.IsNullOrEmpty(claims.NodeUid))
        {
            var node = store.Peek(Nodes, null, claims.NodeName);
            return node is not null && Json.MetaStr(node, "uid") == claims.NodeUid && !Json.IsDeleting(node);
        }

        return true;
    }

    private UserInfo? VerifyCertificate(X509Certificate2 certificate)
    {
        if (clientAuthorities is null || clientAuthorities.Count == 0)
        {
            return null;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(clientAuthorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        if (!chain.Build(certificate))
        {
            return null;
        }

        var root = chain.ChainElements[^1].Certificate;
        if (!clientAuthorities.Any(ca => ca.RawDataMemory.Span.SequenceEqual(root.RawDataMemory.Span)))
        {
            return null;
        }

        var name = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        var groups = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.10")
            .Select(rdn => rdn.GetSingleElementValue() ?? "")
            .Where(g => g.Length > 0)
            .Append(UserInfo.AuthenticatedGroup);
        return UserInfo.Create(name, "", groups);
    }
}
