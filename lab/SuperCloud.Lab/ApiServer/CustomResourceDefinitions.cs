using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Reads a CustomResourceDefinition object into the resources it serves and checks its names.</summary>
internal static class CustomResourceDefinitions
{
    public const string CleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    public static readonly ApiResource Resource =
        BuiltInResources.All.Single(r => r.Plural == "customresourcedefinitions");

    /// <summary>One <see cref="ApiResource"/> per served version of the CRD.</summary>
    public static IReadOnlyList<ApiResource> ServedResources(JsonObject crd)
    {
        var spec = crd["spec"] as JsonObject ?? [];
        var names = spec["names"] as JsonObject ?? [];
        var group = Json.Str(spec, "group") ?? "";
        var kind = Json.Str(names, "kind") ?? "";
        var plural = Json.Str(names, "plural") ?? "";
        var singular = Json.Str(names, "singular") ?? kind.ToLowerInvariant();
        var listKind = Json.Str(names, "listKind") ?? kind + "List";
        var namespaced = Json.Str(spec, "scope") != "Cluster";
        var shortNames = Strings(names["shortNames"]);
        var categories = Strings(names["categories"]);
        var result = new List<ApiResource>();
        foreach (var version in (spec["versions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (version["served"]?.GetValue<bool>() != true)
            {
                continue;
            }

            var schema = version["schema"]?["openAPIV3Schema"] as JsonObject;
            var columns = (version["additionalPrinterColumns"] as JsonArray ?? [])
                .OfType<JsonObject>()
                .Select(c => new PrinterColumn(
                    Json.Str(c, "name") ?? "",
                    Json.Str(c, "type") ?? "string",
                    Json.Str(c, "format"),
                    Json.Str(c, "description"),
                    (int)(Json.Long(c["priority"]) ?? 0),
                    Json.Str(c, "jsonPath") ?? ""))
                .ToList();
            result.Add(new ApiResource(
                group,
                Json.Str(version, "name") ?? "",
                kind,
                listKind,
                plural,
                singular,
                namespaced,
                shortNames,
                categories,
                BuiltInResources.AllVerbs,
                version["subresources"]?["status"] is not null,
                schema is null ? null : (JsonObject)schema.DeepClone(),
                columns));
        }

        return result;
    }

    /// <summary>Validates the parts of a CRD this server relies on; kube's field paths and messages.</summary>
    public static List<FieldError> Validate(JsonObject crd)
    {
        var causes = new List<FieldError>();
        var spec = crd["spec"] as JsonObject;
        if (spec is null)
        {
            causes.Add(FieldError.Required("spec"));
            return causes;
        }

        var group = Json.Str(spec, "group") ?? "";
        var plural = Json.Str(spec["names"], "plural") ?? "";
        var kind = Json.Str(spec["names"], "kind") ?? "";
        var name = Json.Name(crd);
        if (group.Length == 0)
        {
            causes.Add(FieldError.Required("spec.group"));
        }
        else if (!group.Contains('.', StringComparison.Ordinal))
        {
            causes.Add(FieldError.Invalid("spec.group", group, "should be a domain with at least one dot"));
        }

        if (plural.Length == 0)
        {
            causes.Add(FieldError.Required("spec.names.plural"));
        }

        if (kind.Length == 0)
        {
            causes.Add(FieldError.Required("spec.names.kind"));
        }

        if (name != $"{plural}.{group}")
        {
            causes.Add(FieldError.Invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
        }

        var scope = Json.Str(spec, "scope");
        if (scope is not ("Namespaced" or "Cluster"))
        {
            causes.Add(FieldError.NotSupported("spec.scope", scope, ["Cluster", "Namespaced"]));
        }

        var versions = (spec["versions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (versions.Count == 0)
        {
            causes.Add(FieldError.Required("spec.versions", "must have exactly one version marked as storage version"));
        }
        else if (versions.Count(v => v["storage"]?.GetValue<bool>() == true) != 1)
        {
            causes.Add(FieldError.Invalid("spec.versions", versions.Count(v => v["storage"]?.GetValue<bool>() == true), "must have exactly one version marked as storage version"));
        }

        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i]["schema"]?["openAPIV3Schema"] is null)
            {
                causes.Add(FieldError.Required($"spec.versions[{i}].schema.openAPIV3Schema", "schemas are required"));
            }
        }

        return causes;
    }

    /// <summary>Sets <c>status</c> the way the apiextensions controllers do once the names are accepted.</summary>
    public static void SetEstablishedStatus(JsonObject crd, DateTimeOffset now)
    {
        var spec = crd["spec"] as JsonObject ?? [];
        var names = (JsonObject)(spec["names"] ?? new JsonObject()).DeepClone();
        if (names["singular"] is null && Json.Str(names, "kind") is { } kind)
        {
            names["singular"] = kind.ToLowerInvariant();
        }

        if (names["listKind"] is null && Json.Str(names, "kind") is { } k)
        {
            names["listKind"] = k + "List";
        }

        var stored = (spec["versions"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(v => v["storage"]?.GetValue<bool>() == true)
            .Select(v => (JsonNode?)JsonValue.Create(Json.Str(v, "name")))
            .ToArray();
        var previous = crd["status"]?["conditions"] as JsonArray;
        string Since(string type) =>
            previous?.OfType<JsonObject>().FirstOrDefault(c => Json.Str(c, "type") == type) is { } c && Json.Str(c, "status") == "True"
                ? Json.Str(c, "lastTransitionTime") ?? Json.Timestamp(now)
                : Json.Timestamp(now);
        crd["status"] = new JsonObject
        {
            ["acceptedNames"] = names,
            ["conditions"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "NamesAccepted", ["status"] = "True", ["lastTransitionTime"] = Since("NamesAccepted"),
                    ["reason"] = "NoConflicts", ["message"] = "no conflicts found",
                },
                new JsonObject
                {
                    ["type"] = "Established", ["status"] = "True", ["lastTransitionTime"] = Since("Established"),
                    ["reason"] = "InitialNamesAccepted", ["message"] = "the initial names have been accepted",
                }),
            ["storedVersions"] = new JsonArray(stored),
        };
    }

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => n?.GetValue<string>() ?? "").ToList() : [];
}
