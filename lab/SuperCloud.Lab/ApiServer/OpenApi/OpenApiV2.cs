using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.OpenApi;

/// <summary>
/// The Swagger 2.0 document of GET /openapi/v2, derived from the v3 group-version documents the way kube publishes
/// both: body parameters instead of requestBody, consumes/produces, <c>#/definitions/</c> references, and CRD schemas
/// reduced to what v2 can express (no nullable, anyOf, oneOf, allOf, not or CEL rules).
/// </summary>
public static class OpenApiV2
{
    /// <summary>Builds the whole v2 document for every served resource.</summary>
    public static JsonObject Build(IEnumerable<ApiResource> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var paths = new JsonObject();
        var definitions = new JsonObject();
        var list = resources.ToList();
        foreach (var gv in list.GroupBy(r => (r.Group, r.Version)).OrderBy(g => OpenApiNames.GroupVersionKey(g.Key.Group, g.Key.Version), StringComparer.Ordinal))
        {
            var v3 = OpenApiV3.BuildGroupVersion(gv.Key.Group, gv.Key.Version, gv);
            foreach (var (path, item) in v3["paths"]!.AsObject())
            {
                paths[path] = ConvertPathItem(item!.AsObject());
            }

            foreach (var (name, schema) in v3["components"]!["schemas"]!.AsObject())
            {
                definitions[name] = ConvertSchema(schema);
            }
        }

        return new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = OpenApiV3.KubernetesVersion },
            ["paths"] = paths,
            ["definitions"] = definitions,
            ["securityDefinitions"] = new JsonObject
            {
                ["BearerToken"] = new JsonObject { ["description"] = "Bearer Token authentication", ["type"] = "apiKey", ["name"] = "authorization", ["in"] = "header" },
            },
            ["security"] = new JsonArray(new JsonObject { ["BearerToken"] = new JsonArray() }),
        };
    }

    private static JsonObject ConvertPathItem(JsonObject item)
    {
        var result = new JsonObject();
        foreach (var (key, value) in item)
        {
            if (key == "parameters")
            {
                result[key] = new JsonArray(value!.AsArray().Select(p => (JsonNode)ConvertParameter(p!.AsObject())).ToArray());
            }
            else
            {
                result[key] = ConvertOperation(value!.AsObject());
            }
        }

        return result;
    }

    private static JsonObject ConvertOperation(JsonObject op)
    {
        var result = new JsonObject { ["description"] = op["description"]?.DeepClone() };
        var parameters = new JsonArray();
        if (op["requestBody"] is JsonObject body)
        {
            var content = body["content"]!.AsObject();
            result["consumes"] = new JsonArray(content.Select(c => (JsonNode)c.Key).ToArray());
            parameters.Add(new JsonObject
            {
                ["name"] = "body",
                ["in"] = "body",
                ["required"] = true,
                ["schema"] = ConvertSchema(content.First().Value!["schema"]),
            });
        }
        else
        {
            result["consumes"] = new JsonArray("*/*");
        }

        var produces = new List<string>();
        var responses = new JsonObject();
        foreach (var (code, response) in op["responses"]!.AsObject())
        {
            var converted = new JsonObject { ["description"] = response!["description"]?.DeepClone() };
            if (response["content"] is JsonObject content)
            {
                produces.AddRange(content.Select(c => c.Key).Where(k => !produces.Contains(k)));
                converted["schema"] = ConvertSchema(content.First().Value!["schema"]);
            }

            responses[code] = converted;
        }

        result["produces"] = new JsonArray(produces.Select(p => (JsonNode)p).ToArray());
        result["schemes"] = new JsonArray("https");
        result["tags"] = op["tags"]?.DeepClone();
        result["operationId"] = op["operationId"]?.DeepClone();
        foreach (var p in op["parameters"] as JsonArray ?? [])
        {
            parameters.Add(ConvertParameter(p!.AsObject()));
        }

        if (parameters.Count > 0)
        {
            result["parameters"] = parameters;
        }

        result["responses"] = responses;
        result["x-kubernetes-action"] = op["x-kubernetes-action"]?.DeepClone();
        result["x-kubernetes-group-version-kind"] = op["x-kubernetes-group-version-kind"]?.DeepClone();
        return result;
    }

    private static JsonObject ConvertParameter(JsonObject p)
    {
        var result = new JsonObject();
        foreach (var (key, value) in p)
        {
            if (key == "schema" && value is JsonObject schema)
            {
                foreach (var (sk, sv) in schema)
                {
                    result[sk] = sv?.DeepClone();
                }
            }
            else
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }

    /// <summary>Rewrites a v3 schema for Swagger 2.0.</summary>
    private static JsonNode? ConvertSchema(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["allOf"] is JsonArray allOf && allOf.Count == 1 && allOf[0]?["$ref"] is JsonNode reference)
                {
                    var wrapped = new JsonObject { ["$ref"] = ConvertRef(reference.GetValue<string>()) };
                    foreach (var (key, value) in obj)
                    {
                        if (key != "allOf")
                        {
                            wrapped[key] = ConvertSchema(value);
                        }
                    }

                    return wrapped;
                }

                var result = new JsonObject();
                var nullable = obj["nullable"] is JsonValue n && n.TryGetValue<bool>(out var isNullable) && isNullable;
                foreach (var (key, value) in obj)
                {
                    switch (key)
                    {
                        case "nullable" or "anyOf" or "oneOf" or "allOf" or "not" or "x-kubernetes-validations":
                            continue;
                        case "type" when nullable:
                            // kube drops the type of nullable fields in v2 so clients accept null.
                            continue;
                        case "$ref":
                            result[key] = ConvertRef(value!.GetValue<string>());
                            break;
                        case "properties" when value is JsonObject props:
                            var converted = new JsonObject();
                            foreach (var (name, prop) in props)
                            {
                                converted[name] = ConvertSchema(prop);
                            }

                            result[key] = converted;
                            break;
                        case "items" or "additionalProperties":
                            result[key] = ConvertSchema(value);
                            break;
                        default:
                            result[key] = value?.DeepClone();
                            break;
                    }
                }

                return result;
            default:
                return node?.DeepClone();
        }
    }

    private static string ConvertRef(string reference) => reference.Replace("#/components/schemas/", "#/definitions/", StringComparison.Ordinal);
}
