using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace SuperCloud.Crds.Tests.Validation;

/// <summary>
/// Validates objects against a CRD's structural OpenAPI v3 schema with JsonSchema.Net, after translating the
/// Kubernetes subset to JSON Schema 2020-12. CEL rules are not part of this; <see cref="ManifestValidator"/> checks everything with the lab API server.
/// </summary>
internal static partial class OpenApiSchemaValidator
{
    // Building a schema costs far more than evaluating it; the CRD schemas are loaded once and never change.
    private static readonly ConditionalWeakTable<JsonObject, JsonSchema> Built = [];

    /// <summary>Returns kube-apiserver style errors ("spec.resources.memory: Invalid value: ..."), empty when valid.</summary>
    public static IReadOnlyList<string> Validate(JsonObject openApiSchema, JsonNode instance)
    {
        var schema = Built.GetValue(openApiSchema, s => JsonSchema.Build(JsonSerializer.SerializeToElement(ToJsonSchema(s))));
        var results = schema.Evaluate(
            JsonSerializer.SerializeToElement(instance),
            new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        var errors = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var detail in results.Details ?? [])
        {
            // Branches of anyOf (int-or-string) fail individually even when the other branch passes; the anyOf
            // keyword itself reports when both fail.
            var evaluationPath = detail.EvaluationPath.ToString();
            if (evaluationPath.Contains("/anyOf/", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var (errorKeyword, message) in detail.Errors ?? new Dictionary<string, string>())
            {
                // A property rejected by "additionalProperties: false" reports from the false schema itself.
                var keyword = evaluationPath.EndsWith("/additionalProperties", StringComparison.Ordinal) ? "additionalProperties" : errorKeyword;
                if (keyword is "allOf" or "properties" or "items")
                {
                    continue;
                }

                var segments = detail.InstanceLocation.ToString().Split('/', StringSplitOptions.RemoveEmptyEntries)
                    .Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))
                    .ToList();
                errors.Add(Describe(keyword, message, segments, instance, openApiSchema));
            }
        }

        return [.. errors];
    }

    /// <summary>Translates the Kubernetes OpenAPI subset to JSON Schema: closed objects, int-or-string, nullable.</summary>
    public static JsonObject ToJsonSchema(JsonObject openApi)
    {
        var result = new JsonObject();
        foreach (var (key, value) in openApi)
        {
            switch (key)
            {
                case "properties":
                    result[key] = new JsonObject(value!.AsObject().Select(p =>
                        KeyValuePair.Create(p.Key, (JsonNode?)ToJsonSchema(p.Value!.AsObject()))));
                    break;
                case "items" or "additionalProperties" when value is JsonObject sub:
                    result[key] = ToJsonSchema(sub);
                    break;
                case "anyOf" or "allOf" or "oneOf":
                    result[key] = new JsonArray([.. value!.AsArray().Select(s => (JsonNode)ToJsonSchema(s!.AsObject()))]);
                    break;
                case "nullable" or "description" or "default":
                    break;
                default:
                    // x-kubernetes-* extensions are the API server's business (CEL rules, list types), not JSON Schema's.
                    if (!key.StartsWith("x-kubernetes-", StringComparison.Ordinal))
                    {
                        result[key] = value?.DeepClone();
                    }

                    break;
            }
        }

        if (openApi["nullable"]?.GetValue<bool>() == true && result["type"] is JsonValue type)
        {
            result["type"] = new JsonArray(type.GetValue<string>(), "null");
        }

        // The API server rejects unknown fields (kubectl's default strict field validation); so do we,
        // which also catches typos in examples. Schemas that preserve unknown fields stay open.
        if (openApi.ContainsKey("properties") && !openApi.ContainsKey("additionalProperties")
            && openApi["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() != true)
        {
            result["additionalProperties"] = false;
        }

        return result;
    }

    private static string Describe(string keyword, string message, List<string> segments, JsonNode instance, JsonObject openApiSchema)
    {
        var path = string.Join('.', segments);
        if (keyword == "required")
        {
            var missing = RequiredNames().Matches(message).Select(m => m.Groups[1].Value);
            return string.Join("; ", missing.Select(name => $"{Join(path, name)}: Required value"));
        }

        // Word the common cases as kube-apiserver does.
        var schema = SchemaAt(openApiSchema, segments);
        if (keyword == "anyOf")
        {
            message = "must be an integer or a string";
        }

        if (keyword == "pattern" && schema?["pattern"] is { } pattern)
        {
            message = $"{path} in body should match '{pattern.GetValue<string>()}'";
        }

        if (keyword == "additionalProperties")
        {
            return $"{path}: unknown field \"{segments.LastOrDefault()}\"";
        }

        var value = segments.Aggregate<string, JsonNode?>(instance, (node, segment) => node switch
        {
            JsonObject o => o[segment],
            JsonArray a when int.TryParse(segment, out var i) => a[i],
            _ => null,
        });
        if (keyword == "enum" && schema?["enum"] is JsonArray allowed)
        {
            return $"{path}: Unsupported value: {value?.ToJsonString() ?? "null"}: supported values: {string.Join(", ", allowed.Select(a => a!.ToJsonString()))}";
        }

        return $"{path}: Invalid value: {value?.ToJsonString() ?? "null"}: {message}";
    }

    private static JsonObject? SchemaAt(JsonObject schema, List<string> segments)
    {
        JsonObject? current = schema;
        foreach (var segment in segments)
        {
            current = current?["properties"]?[segment] as JsonObject
                ?? current?["items"] as JsonObject
                ?? current?["additionalProperties"] as JsonObject;
        }

        return current;
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex RequiredNames();
}
