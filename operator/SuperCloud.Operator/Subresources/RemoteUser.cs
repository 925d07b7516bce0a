using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Primitives;

namespace SuperCloud.Operator.Subresources;

/// <summary>Who the API server says asks, from the front proxy's request headers (as kube's request-header authenticator reads them).</summary>
/// <param name="Name">X-Remote-User.</param>
/// <param name="Groups">Every X-Remote-Group.</param>
/// <param name="Extra">X-Remote-Extra-KEY headers, keys unescaped and lower-cased.</param>
public sealed record RemoteUser(string Name, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, IReadOnlyList<string>> Extra)
{
    private const string ExtraPrefix = "X-Remote-Extra-";

    /// <summary>
    /// The user of a request whose client certificate the front-proxy CA verified with an allowed common name; null when
    /// the request has no such certificate or names no user (then the headers are not to be believed).
    /// </summary>
    public static RemoteUser? From(IHeaderDictionary headers, X509Certificate2? clientCertificate, X509Certificate2Collection frontProxyCas, IReadOnlyList<string> allowedNames)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(frontProxyCas);
        ArgumentNullException.ThrowIfNull(allowedNames);
        if (clientCertificate is null || !IsFrontProxy(clientCertificate, frontProxyCas, allowedNames))
        {
            return null;
        }

        var name = headers["X-Remote-User"].ToString();
        if (name.Length == 0)
        {
            return null;
        }

        var groups = Values(headers["X-Remote-Group"]);
        var extra = headers.Where(h => h.Key.StartsWith(ExtraPrefix, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => Uri.UnescapeDataString(h.Key[ExtraPrefix.Length..]).ToLowerInvariant(), h => Values(h.Value), StringComparer.Ordinal);
        return new RemoteUser(name, groups, extra);
    }

    /// <summary>Whether <paramref name="certificate"/> chains to one of <paramref name="cas"/> and has an allowed common name.</summary>
    public static bool IsFrontProxy(X509Certificate2 certificate, X509Certificate2Collection cas, IReadOnlyList<string> allowedNames)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(cas);
        ArgumentNullException.ThrowIfNull(allowedNames);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        if (!chain.Build(certificate))
        {
            return false;
        }

        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return allowedNames.Count == 0 || allowedNames.Contains(commonName, StringComparer.Ordinal);
    }

    // Kube sends one header per value; HTTP lets a proxy fold them into one comma-separated line (.NET's HttpClient does).
    private static IReadOnlyList<string> Values(StringValues values) =>
        [.. values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
}
