using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Pruning, defaulting and schema/CEL validation of custom resources through their CRD's compiled schema.</summary>
internal sealed class CustomResourceAdmission
{
    private readonly Dictionary<ApiResource, CustomResourceSchema> _compiled = new(ReferenceEqualityComparer.Instance);

    /// <summary>Prunes unknown fields then applies defaults (kube's order); returns the pruned paths (e.g. <c>.spec.foo</c>).</summary>
    public IReadOnlyList<string> DefaultAndPrune(ApiResource resource, JsonObject obj)
    {
        var schema = Schema(resource);
        var pruned = schema.Prune(obj);
        schema.ApplyDefaults(obj);
        return pruned;
    }

    /// <summary>Schema and CEL errors of the object (with the old object for transition rules and ratcheting).</summary>
    public IReadOnlyList<FieldError> Validate(ApiResource resource, JsonObject obj, JsonObject? old) =>
        Schema(resource).Validate(obj, old);

    /// <summary>Checks every version schema of a CRD compiles; errors name the bad part of the schema.</summary>
    public static IReadOnlyList<FieldError> CheckDefinition(JsonObject crd)
    {
        var errors = new List<FieldError>();
        var versions = crd["spec"]?["versions"] as JsonArray ?? [];
        for (var i = 0; i < versions.Count; i++)
        {
            if (versions[i]?["schema"]?["openAPIV3Schema"] is JsonObject schema)
            {
                errors.AddRange(CustomResourceSchema.Check(schema, $"spec.versions[{i}].schema.openAPIV3Schema"));
            }
        }

        return errors;
    }

    /// <summary>Drops compiled schemas of resources that are no longer served.</summary>
    public void Forget(IReadOnlyList<ApiResource> served)
    {
        var live = new HashSet<ApiResource>(served, ReferenceEqualityComparer.Instance);
        foreach (var gone in _compiled.Keys.Where(k => !live.Contains(k)).ToList())
        {
            _compiled.Remove(gone);
        }
    }

    private CustomResourceSchema Schema(ApiResource resource)
    {
        if (!_compiled.TryGetValue(resource, out var schema))
        {
            schema = CustomResourceSchema.Compile(resource.Schema!, $"{resource.Plural}.{resource.Group}", CustomResourceSchema.DefaultSchemaPath);
            _compiled[resource] = schema;
        }

        return schema;
    }
}
