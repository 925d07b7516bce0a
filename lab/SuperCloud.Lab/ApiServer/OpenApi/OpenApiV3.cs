using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.OpenApi;

/// <summary>
/// The OpenAPI v3 documents kube-apiserver serves under /openapi/v3: an index of group-versions with content hashes,
/// and one document per group-version with paths (each operation carrying x-kubernetes-action,
/// x-kubernetes-group-version-kind and kube's query parameters, notably fieldValidation on PATCH, which kubectl checks
/// before using server-side validation) and component schemas (CRD schemas with descriptions for kubectl explain).
/// </summary>
public static class OpenApiV3
{
    /// <summary>The kube version the documents claim to describe.</summary>
    public const string KubernetesVersion = "v1.35.0";

    /// <summary>
    /// GET /openapi/v3: <c>{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}, ...}}</c>; the hash
    /// is the SHA-512 of the group-version document, so it changes whenever the document does (kubectl caches by it).
    /// </summary>
    public static JsonObject BuildIndex(IEnumerable<ApiResource> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var all = resources.ToList();
        return BuildIndex(all, (group, version) => Hash(BuildGroupVersion(group, version, all)));
    }

    /// <summary>As <see cref="BuildIndex(IEnumerable{ApiResource})"/>, taking each group-version's hash from <paramref name="hash"/> (a cache).</summary>
    internal static JsonObject BuildIndex(IEnumerable<ApiResource> resources, Func<string, string, string> hash)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var paths = new JsonObject();
        foreach (var gv in resources.GroupBy(r => (r.Group, r.Version)).OrderBy(g => OpenApiNames.GroupVersionKey(g.Key.Group, g.Key.Version), StringComparer.Ordinal))
        {
            var key = OpenApiNames.GroupVersionKey(gv.Key.Group, gv.Key.Version);
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash(gv.Key.Group, gv.Key.Version)}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The content hash kube uses as the ETag and in serverRelativeURL: uppercase hex SHA-512 of the document.</summary>
    public static string Hash(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(document.ToJsonString())));
    }

    /// <summary>GET /openapi/v3/apis/{group}/{version} (or /openapi/v3/api/v1): the document for one group-version.</summary>
    public static JsonObject BuildGroupVersion(string group, string version, IEnumerable<ApiResource> resources)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(resources);
        var selected = resources.Where(r => r.Group == group && r.Version == version).OrderBy(r => r.Plural, StringComparer.Ordinal).ToList();
        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var resource in selected)
        {
            foreach (var (path, item) in OpenApiPaths.For(resource))
            {
                paths[path] = item;
            }

            schemas[OpenApiNames.Definition(group, version, resource.Kind)] = KindSchema(resource);
            schemas[OpenApiNames.Definition(group, version, resource.ListKind)] = ListSchema(resource);
        }

        foreach (var (name, schema) in MetaSchemas.All())
        {
            schemas[name] = schema;
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = KubernetesVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    ["BearerToken"] = new JsonObject { ["type"] = "apiKey", ["description"] = "Bearer Token authentication", ["name"] = "authorization", ["in"] = "header" },
                },
                ["schemas"] = schemas,
            },
            ["security"] = new JsonArray(new JsonObject { ["BearerToken"] = new JsonArray() }),
        };
    }

    /// <summary>
    /// The kind's schema: the CRD schema with apiVersion/kind described and metadata as a reference to ObjectMeta (as
    /// kube publishes CRDs), or a permissive object for built-ins, tagged with x-kubernetes-group-version-kind.
    /// </summary>
    private static JsonObject KindSchema(ApiResource resource)
    {
        var schema = resource.Schema?.DeepClone().AsObject() ?? new JsonObject
        {
            ["description"] = $"{resource.Kind} (schema not published by the lab API server; fields are accepted as sent).",
            ["type"] = "object",
            ["x-kubernetes-preserve-unknown-fields"] = true,
        };
        schema["type"] = "object";
        var properties = schema["properties"] as JsonObject ?? new JsonObject();
        schema.Remove("properties");
        var ordered = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["description"] = MetaSchemas.ApiVersionDescription, ["type"] = "string" },
            ["kind"] = new JsonObject { ["description"] = MetaSchemas.KindDescription, ["type"] = "string" },
            ["metadata"] = MetaSchemas.RefWithDescription(MetaSchemas.ObjectMeta, MetaSchemas.ObjectMetaDescription),
        };
        foreach (var (name, value) in properties.ToList())
        {
            if (name is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            properties.Remove(name);
            ordered[name] = value is JsonObject child ? ReferenceEmbeddedMetadata(child) : value;
        }

        schema["properties"] = ordered;
        schema["x-kubernetes-group-version-kind"] = Gvk(resource, resource.Kind);
        return schema;
    }

    /// <summary>Embedded resources publish their metadata as ObjectMeta too, as kube does.</summary>
    private static JsonObject ReferenceEmbeddedMetadata(JsonObject schema)
    {
        if (schema["x-kubernetes-embedded-resource"] is JsonValue v && v.TryGetValue<bool>(out var embedded) && embedded && schema["properties"] is JsonObject props)
        {
            props["metadata"] = MetaSchemas.RefWithDescription(MetaSchemas.ObjectMeta, MetaSchemas.ObjectMetaDescription);
        }

        foreach (var key in new[] { "properties", "additionalProperties", "items" })
        {
            switch (schema[key])
            {
                case JsonObject child when key == "properties":
                    foreach (var (_, value) in child)
                    {
                        if (value is JsonObject o)
                        {
                            ReferenceEmbeddedMetadata(o);
                        }
                    }

                    break;
                case JsonObject child:
                    ReferenceEmbeddedMetadata(child);
                    break;
            }
        }

        return schema;
    }

    private static JsonObject ListSchema(ApiResource resource) => new()
    {
        ["description"] = $"{resource.ListKind} is a list of {resource.Kind}",
        ["type"] = "object",
        ["required"] = new JsonArray("items"),
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = new JsonObject { ["description"] = MetaSchemas.ApiVersionDescription, ["type"] = "string" },
            ["items"] = new JsonObject
            {
                ["description"] = $"List of {resource.Plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md",
                ["type"] = "array",
                ["items"] = MetaSchemas.Ref(OpenApiNames.Definition(resource.Group, resource.Version, resource.Kind)),
            },
            ["kind"] = new JsonObject { ["description"] = MetaSchemas.KindDescription, ["type"] = "string" },
            ["metadata"] = MetaSchemas.RefWithDescription(MetaSchemas.ListMeta, MetaSchemas.ListMetaDescription),
        },
        ["x-kubernetes-group-version-kind"] = Gvk(resource, resource.ListKind),
    };

    private static JsonArray Gvk(ApiResource resource, string kind) =>
        new(new JsonObject { ["group"] = resource.Group, ["kind"] = kind, ["version"] = resource.Version });
}
