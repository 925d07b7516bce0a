using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Auth;

/// <summary>
/// Issues and verifies ServiceAccount tokens as kube-apiserver does for the TokenRequest API: ES256 JWTs with the
/// <c>kubernetes.io</c> claim naming the namespace, the ServiceAccount and the object the token is bound to (a Pod, and
/// then the Pod's node), valid until they expire or the bound objects are gone.
/// </summary>
internal sealed class ServiceAccountTokens(ECDsa key, TimeProvider time)
{
    /// <summary>The issuer and default audience, as a cluster's <c>--service-account-issuer</c>.</summary>
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    private const string Prefix = "system:serviceaccount:";
    private readonly string _keyId = Base64Url(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..20];

    /// <summary>Who a token was issued to and what it is bound to.</summary>
    public sealed record Claims(
        string Namespace, string ServiceAccount, string ServiceAccountUid, string? PodName, string? PodUid, string? NodeName, string? NodeUid,
        IReadOnlyList<string> Audiences, DateTimeOffset Expires, string Id);

    /// <summary>Signs a token for <paramref name="claims"/>.</summary>
    public string Issue(Claims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var now = time.GetUtcNow();
        var kube = new JsonObject
        {
            ["namespace"] = claims.Namespace,
            ["serviceaccount"] = new JsonObject { ["name"] = claims.ServiceAccount, ["uid"] = claims.ServiceAccountUid },
        };
        if (claims.PodName is not null)
        {
            kube["pod"] = new JsonObject { ["name"] = claims.PodName, ["uid"] = claims.PodUid };
        }

        if (claims.NodeName is not null)
        {
            kube["node"] = new JsonObject { ["name"] = claims.NodeName, ["uid"] = claims.NodeUid ?? "" };
        }

        var payload = new JsonObject
        {
            ["aud"] = new JsonArray([.. claims.Audiences.Select(a => (JsonNode)a)]),
            ["exp"] = claims.Expires.ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = claims.Id,
            ["kubernetes.io"] = kube,
            ["sub"] = Prefix + claims.Namespace + ":" + claims.ServiceAccount,
        };
        var header = new JsonObject { ["alg"] = "ES256", ["kid"] = _keyId };
        var signed = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signed + "." + Base64Url(signature);
    }

    /// <summary>The claims of a token this server signed that has not expired; null for anything else.</summary>
    public Claims? Verify(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || !TryDecode(parts[2], out var signature)
            || !key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            || !TryDecode(parts[1], out var payloadBytes))
        {
            return null;
        }

        try
        {
            var payload = JsonNode.Parse(payloadBytes) as JsonObject;
            var kube = payload?["kubernetes.io"] as JsonObject;
            if (payload is null || kube is null || payload["iss"]?.GetValue<string>() != Issuer)
            {
                return null;
            }

            var expires = DateTimeOffset.FromUnixTimeSeconds(payload["exp"]!.GetValue<long>());
            if (expires <= time.GetUtcNow())
            {
                return null;
            }

            var audiences = (payload["aud"] as JsonArray)?.Select(a => a!.GetValue<string>()).ToList() ?? [];
            return new Claims(
                kube["namespace"]!.GetValue<string>(),
                kube["serviceaccount"]!["name"]!.GetValue<string>(),
                kube["serviceaccount"]!["uid"]!.GetValue<string>(),
                kube["pod"]?["name"]?.GetValue<string>(),
                kube["pod"]?["uid"]?.GetValue<string>(),
                kube["node"]?["name"]?.GetValue<string>(),
                kube["node"]?["uid"]?.GetValue<string>(),
                audiences,
                expires,
                payload["jti"]?.GetValue<string>() ?? "");
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            return null;
        }
    }

    /// <summary>The user a verified token stands for, with the extra values kube derives from its bindings.</summary>
    public static UserInfo User(Claims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["authentication.kubernetes.io/credential-id"] = ["JTI=" + claims.Id],
        };
        if (claims.PodName is not null)
        {
            extra["authentication.kubernetes.io/pod-name"] = [claims.PodName];
            extra["authentication.kubernetes.io/pod-uid"] = [claims.PodUid ?? ""];
        }

        if (claims.NodeName is not null)
        {
            extra[UserInfo.NodeNameExtra] = [claims.NodeName];
            if (!string.IsNullOrEmpty(claims.NodeUid))
            {
                extra["authentication.kubernetes.io/node-uid"] = [claims.NodeUid];
            }
        }

        return new UserInfo(
            Prefix + claims.Namespace + ":" + claims.ServiceAccount, claims.ServiceAccountUid,
            ["system:serviceaccounts", "system:serviceaccounts:" + claims.Namespace, UserInfo.AuthenticatedGroup], extra);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(string text, out byte[] bytes)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += (padded.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        try
        {
            bytes = Convert.FromBase64String(padded);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
