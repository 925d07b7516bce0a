using System.Text;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Decoding checks, defaults and validation of the built-in kinds that kube applies and clients rely on.</summary>
internal static class BuiltInAdmission
{
    /// <summary>Decoding-level checks (kube fails these with 400 before validation), then defaults.</summary>
    public static void DecodeAndDefault(ApiResource resource, JsonObject obj, Random random)
    {
        switch (resource.Group, resource.Plural)
        {
            case ("", "secrets"):
                Secret(obj);
                break;
            case ("", "namespaces"):
                var meta = Json.Metadata(obj);
                var labels = meta["labels"] as JsonObject ?? [];
                labels["kubernetes.io/metadata.name"] = Json.Name(obj);
                meta["labels"] = labels;
                var spec = obj["spec"] as JsonObject ?? [];
                spec["finalizers"] ??= new JsonArray("kubernetes");
                obj["spec"] = spec;
                obj["status"] ??= new JsonObject { ["phase"] = "Active" };
                break;
            case ("", "services"):
                Service(obj, random);
                break;
            case ("apps", "deployments" or "statefulsets" or "replicasets"):
                var s = obj["spec"] as JsonObject ?? [];
                s["replicas"] ??= 1;
                s["revisionHistoryLimit"] ??= 10;
                if (resource.Plural == "deployments")
                {
                    s["progressDeadlineSeconds"] ??= 600;
                    s["strategy"] ??= new JsonObject
                    {
                        ["type"] = "RollingUpdate",
                        ["rollingUpdate"] = new JsonObject { ["maxSurge"] = "25%", ["maxUnavailable"] = "25%" },
                    };
                }

                obj["spec"] = s;
                break;
        }
    }

    /// <summary>kube's limit on the data of one ConfigMap or Secret (1 MiB, <c>MaxSecretSize</c>).</summary>
    public const long MaxConfigDataBytes = 1024 * 1024;

    /// <summary>
    /// The stored size of one data value: UTF-8 bytes of a ConfigMap's data, decoded bytes
    /// of base64 (a ConfigMap's binaryData, a Secret's data).
    /// </summary>
    private static long ValueBytes(string field, string plural, JsonNode? value)
    {
        if (value is not JsonValue v || !v.TryGetValue<string>(out var text))
        {
            return 0;
        }

        var base64 = field == "binaryData" || (plural == "secrets" && field == "data");
        return base64 ? text.Length / 4 * 3 : System.Text.Encoding.UTF8.GetByteCount(text);
    }

    /// <summary>Kind-specific validation beyond metadata.</summary>
    public static List<FieldError> Validate(ApiResource resource, JsonObject obj)
    {
        var errors = new List<FieldError>();
        switch (resource.Group, resource.Plural)
        {
            case ("certificates.k8s.io", "certificatesigningrequests"):
                errors.AddRange(CertificateSigningRequests.Validate(obj));
                break;
            case ("", "configmaps") or ("", "secrets"):
                var total = 0L;
                foreach (var field in new[] { "data", "binaryData" })
                {
                    foreach (var (key, value) in obj[field] as JsonObject ?? [])
                    {
                        total += ValueBytes(field, resource.Plural, value);
                        if (key.Length == 0 || key.Length > 253 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                        {
                            errors.Add(FieldError.Invalid($"{field}[{key}]", key,
                                "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
                        }
                    }
                }

                if (total > MaxConfigDataBytes)
                {
                    errors.Add(FieldError.TooLong("data", JsonValue.Create(""), MaxConfigDataBytes));
                }

                break;
            case ("apiextensions.k8s.io", "customresourcedefinitions"):
                errors.AddRange(CustomResourceDefinitions.Validate(obj));
                break;
            case ("coordination.k8s.io", "leases"):
                if (obj["spec"]?["leaseDurationSeconds"] is JsonValue d && d.TryGetValue<int>(out var seconds) && seconds <= 0)
                {
                    errors.Add(FieldError.Invalid("spec.leaseDurationSeconds", seconds, "must be greater than 0"));
                }

                break;
        }

        return errors;
    }

    private static void Secret(JsonObject obj)
    {
        if (obj["data"] is JsonObject data)
        {
            foreach (var (_, value) in data)
            {
                var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                var badByte = 0;
                if (text is null || !IsBase64(text, out badByte))
                {
                    throw Errors.BadRequest($"Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte {badByte}");
                }
            }
        }

        if (obj["stringData"] is JsonObject stringData)
        {
            var merged = obj["data"] as JsonObject ?? [];
            foreach (var (key, value) in stringData)
            {
                merged[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? ""));
            }

            obj["data"] = merged;
            obj.Remove("stringData");
        }

        obj["type"] ??= "Opaque";
    }

    private static bool IsBase64(string text, out int badByte)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var end = text.Length;
        while (end > 0 && text[end - 1] == '=' && text.Length - end < 2)
        {
            end--;
        }

        for (var i = 0; i < end; i++)
        {
            if (!alphabet.Contains(text[i], StringComparison.Ordinal))
            {
                badByte = i;
                return false;
            }
        }

        badByte = text.Length % 4 == 0 ? 0 : text.Length / 4 * 4;
        return text.Length % 4 == 0;
    }

    private static void Service(JsonObject obj, Random random)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        spec["type"] ??= "ClusterIP";
        spec["sessionAffinity"] ??= "None";
        if (Json.Str(spec, "type") != "ExternalName" && spec["clusterIP"] is null)
        {
            var ip = $"10.96.{random.Next(0, 256)}.{random.Next(1, 255)}";
            spec["clusterIP"] = ip;
            spec["clusterIPs"] = new JsonArray(ip);
        }

        spec["ipFamilies"] ??= new JsonArray("IPv4");
        spec["ipFamilyPolicy"] ??= "SingleStack";
        spec["internalTrafficPolicy"] ??= "Cluster";
        foreach (var port in (spec["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["protocol"] ??= "TCP";
            port["targetPort"] ??= port["port"]?.DeepClone();
        }

        obj["spec"] = spec;
        obj["status"] ??= new JsonObject { ["loadBalancer"] = new JsonObject() };
    }
}
