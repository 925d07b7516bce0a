using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Auth;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// certificates.k8s.io/v1 CertificateSigningRequests as kube-apiserver keeps them: the requester's identity recorded
/// in spec by the server (never taken from the client), the PKCS#10 request and signer name validated, the
/// <c>/approval</c> subresource changing only the Approved/Denied conditions and <c>/status</c> the certificate, each
/// needing the approve or sign verb on the signer (kube's CertificateApproval and CertificateSigning admission).
/// </summary>
internal static class CertificateSigningRequests
{
    /// <summary>The resource.</summary>
    public static ApiResource Resource { get; } = BuiltInResources.All.Single(r => r.Plural == "certificatesigningrequests");

    private static readonly HashSet<string> KnownUsages = new(StringComparer.Ordinal)
    {
        "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment", "cert sign",
        "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth", "code signing", "email protection", "s/mime",
        "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc",
    };

    /// <summary>Records who asks, as kube's strategy does on create: username, uid, groups and extra come from the authenticated user.</summary>
    public static void PrepareForCreate(JsonObject obj, UserInfo? user)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        obj["spec"] = spec;
        obj.Remove("status");
        if (user is null)
        {
            return;
        }

        spec["username"] = user.Username;
        spec["uid"] = user.Uid;
        spec["groups"] = new JsonArray([.. user.Groups.Select(g => (JsonNode)g)]);
        spec["extra"] = new JsonObject(user.Extra.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)new JsonArray([.. e.Value.Select(v => (JsonNode)v)]))));
    }

    /// <summary>An approval changes nothing but status.conditions.</summary>
    public static JsonObject PrepareApproval(JsonObject old, JsonObject body)
    {
        var updated = Json.Clone(old);
        var status = updated["status"] as JsonObject ?? [];
        status["conditions"] = body["status"]?["conditions"]?.DeepClone();
        updated["status"] = status;
        return updated;
    }

    /// <summary>Validation of the spec (on create) and of the conditions and certificate (on every write).</summary>
    public static List<FieldError> Validate(JsonObject obj)
    {
        var errors = new List<FieldError>();
        var spec = obj["spec"] as JsonObject ?? [];
        var request = spec["request"]?.GetValue<string>();
        if (string.IsNullOrEmpty(request))
        {
            errors.Add(FieldError.Required("spec.request"));
        }
        else if (!IsCertificateRequest(request))
        {
            errors.Add(FieldError.Invalid("spec.request", JsonValue.Create("<omitted>"), "must be a PEM-encoded, base64 CERTIFICATE REQUEST whose signature verifies"));
        }

        var signer = spec["signerName"]?.GetValue<string>();
        if (string.IsNullOrEmpty(signer))
        {
            errors.Add(FieldError.Required("spec.signerName"));
        }
        else if (signer.Split('/') is not [{ Length: > 0 } domain, { Length: > 0 }] || !domain.Contains('.', StringComparison.Ordinal))
        {
            errors.Add(FieldError.Invalid("spec.signerName", JsonValue.Create(signer), "should be a domain-prefixed path (e.g. 'example.com/my-signer')"));
        }

        var usages = (spec["usages"] as JsonArray)?.Select(u => u?.GetValue<string>() ?? "").ToList() ?? [];
        if (usages.Count == 0)
        {
            errors.Add(FieldError.Required("spec.usages"));
        }

        for (var i = 0; i < usages.Count; i++)
        {
            if (!KnownUsages.Contains(usages[i]))
            {
                errors.Add(FieldError.NotSupported($"spec.usages[{i}]", JsonValue.Create(usages[i]), KnownUsages.Order(StringComparer.Ordinal)));
            }
        }

        if (spec["expirationSeconds"] is { } seconds && Json.Long(seconds) < 600)
        {
            errors.Add(FieldError.Invalid("spec.expirationSeconds", seconds.DeepClone(), "may not specify a duration less than 600 seconds (10 minutes)"));
        }

        var conditions = (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var types = conditions.Select(c => c["type"]?.GetValue<string>()).ToList();
        if (types.Contains("Approved") && types.Contains("Denied"))
        {
            errors.Add(FieldError.Invalid("status.conditions", null, "Approved and Denied conditions are mutually exclusive"));
        }

        if (obj["status"]?["certificate"]?.GetValue<string>() is { Length: > 0 } certificate)
        {
            if (!types.Contains("Approved"))
            {
                errors.Add(FieldError.Invalid("status.certificate", JsonValue.Create("<omitted>"), "certificate cannot be set on an unapproved request"));
            }
            else if (!IsCertificateChain(certificate))
            {
                errors.Add(FieldError.Invalid("status.certificate", JsonValue.Create("<omitted>"), "must contain at least one PEM-encoded CERTIFICATE block"));
            }
        }

        return errors;
    }

    /// <summary>
    /// The authorization kube adds on top of RBAC: approving needs <c>approve</c> and setting the certificate needs
    /// <c>sign</c> on <c>signers</c> named like the request's signer (or its <c>domain/*</c> wildcard).
    /// </summary>
    public static void Authorize(RequestSecurity security, UserInfo user, JsonObject current, string subresource)
    {
        var signer = current["spec"]?["signerName"]?.GetValue<string>() ?? "";
        var verb = subresource == "approval" ? "approve" : "sign";
        var wildcard = signer.Contains('/', StringComparison.Ordinal) ? signer[..signer.IndexOf('/', StringComparison.Ordinal)] + "/*" : signer;
        var exact = RequestAttributes.ForResource(user, verb, "certificates.k8s.io", "signers", "", null, signer);
        if (!security.Allows(exact) && !security.Allows(exact with { Name = wildcard }))
        {
            throw new StatusException(403, "Forbidden",
                $"certificatesigningrequests.certificates.k8s.io \"{Json.Name(current)}\" is forbidden: user not permitted to {verb} requests with signerName \"{signer}\"")
            {
                Name = Json.Name(current), Group = "certificates.k8s.io", Kind = "certificatesigningrequests",
            };
        }
    }

    private static bool IsCertificateRequest(string base64Pem)
    {
        try
        {
            var pem = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64Pem));
            CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
            return true;
        }
        catch (Exception e) when (e is FormatException or CryptographicException or ArgumentException)
        {
            return false;
        }
    }

    private static bool IsCertificateChain(string base64Pem)
    {
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPem(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64Pem)));
            return certificates.Count > 0;
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            return false;
        }
    }
}
