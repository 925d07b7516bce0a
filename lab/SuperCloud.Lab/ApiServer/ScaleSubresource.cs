using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// The <c>/scale</c> subresource (autoscaling/v1 Scale) of Deployments, StatefulSets, ReplicaSets,
/// ReplicationControllers and CRDs that declare <c>subresources.scale</c>; <c>kubectl scale</c> patches it.
/// </summary>
/// <param name="SpecReplicasPath">Where the desired replicas live, e.g. <c>.spec.replicas</c>.</param>
/// <param name="StatusReplicasPath">Where the observed replicas live, e.g. <c>.status.replicas</c>.</param>
/// <param name="LabelSelectorPath">A string field holding the selector (CRDs), or null to render <c>.spec.selector</c>.</param>
internal sealed record ScaleSubresource(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath)
{
    private static readonly ScaleSubresource BuiltIn = new(".spec.replicas", ".status.replicas", null);

    /// <summary>The scale subresource of <paramref name="resource"/>, or null when it has none.</summary>
    public static ScaleSubresource? For(ApiResource resource, ObjectStore store)
    {
        if (resource.Schema is null)
        {
            return (resource.Group, resource.Plural) is ("apps", "deployments" or "statefulsets" or "replicasets") or ("", "replicationcontrollers")
                ? BuiltIn
                : null;
        }

        var crd = store.Peek(CustomResourceDefinitions.Resource, null, resource.GroupResource);
        var version = (crd?["spec"]?["versions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(v => Json.Str(v, "name") == resource.Version);
        return version?["subresources"]?["scale"] is JsonObject scale
            ? new ScaleSubresource(Json.Str(scale, "specReplicasPath") ?? ".spec.replicas", Json.Str(scale, "statusReplicasPath") ?? ".status.replicas", Json.Str(scale, "labelSelectorPath"))
            : null;
    }

    /// <summary>The Scale view of an object.</summary>
    public JsonObject ToScale(JsonObject obj)
    {
        var meta = Json.Metadata(obj);
        var scaleMeta = new JsonObject();
        foreach (var field in new[] { "name", "namespace", "uid", "resourceVersion", "creationTimestamp" })
        {
            if (meta[field] is { } value)
            {
                scaleMeta[field] = value.DeepClone();
            }
        }

        var status = new JsonObject { ["replicas"] = Json.Long(Get(obj, StatusReplicasPath)) ?? 0 };
        if (Selector(obj) is { Length: > 0 } selector)
        {
            status["selector"] = selector;
        }

        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = scaleMeta,
            ["spec"] = new JsonObject { ["replicas"] = Json.Long(Get(obj, SpecReplicasPath)) ?? 0 },
            ["status"] = status,
        };
    }

    /// <summary>The object with the replicas (and resourceVersion precondition) of <paramref name="scale"/> applied.</summary>
    public JsonObject Apply(JsonObject obj, JsonObject scale)
    {
        var replicas = Json.Long(scale["spec"]?["replicas"]) ?? throw Errors.BadRequest("Scale.autoscaling \"\" is invalid: spec.replicas: Required value");
        if (replicas < 0)
        {
            throw new StatusException(422, "Invalid", $"Scale.autoscaling \"{Json.Name(obj)}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0",
                [new StatusCause("FieldValueInvalid", $"Invalid value: {replicas}: must be greater than or equal to 0", "spec.replicas")])
            {
                Name = Json.Name(obj), Group = "autoscaling", Kind = "Scale",
            };
        }

        var updated = Json.Clone(obj);
        Set(updated, SpecReplicasPath, replicas);
        if (Json.MetaStr(scale, "resourceVersion") is { Length: > 0 } rv)
        {
            Json.Metadata(updated)["resourceVersion"] = rv;
        }

        return updated;
    }

    private string? Selector(JsonObject obj)
    {
        if (LabelSelectorPath is not null)
        {
            return Get(obj, LabelSelectorPath)?.ToString();
        }

        var matchLabels = obj["spec"]?["selector"]?["matchLabels"] as JsonObject ?? obj["spec"]?["selector"] as JsonObject;
        return matchLabels is null ? null : string.Join(",", matchLabels.Where(kv => kv.Value is JsonValue).Select(kv => $"{kv.Key}={kv.Value}"));
    }

    private static JsonNode? Get(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.TrimStart('.').Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node;
    }

    private static void Set(JsonObject obj, string path, long value)
    {
        var parts = path.TrimStart('.').Split('.');
        var node = obj;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                child = [];
                node[part] = child;
            }

            node = child;
        }

        node[parts[^1]] = value;
    }
}
