using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Pruning, defaulting and schema/CEL validation of custom resources through their CRD's compiled schema.</summary>
internal sealed class CustomResourceAdmission
{
    // Requests admit concurrently. The registry builds new ApiResource instances whenever a CRD changes, so keying
    // by instance invalidates a stale schema; the weak table drops entries of resources no longer served, and Lazy
    // compiles each schema once even when two requests race for it.
    private readonly ConditionalWeakTable<ApiResource, Lazy<CustomResourceSchema>> _compiled = new();

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

    /// <summary>How many resources have a compiled schema cached (for tests).</summary>
    internal int CachedCount => _compiled.Count();

    /// <summary>The compiled schema of a custom resource, compiled once per resource instance.</summary>
    internal CustomResourceSchema Schema(ApiResource resource) =>
        _compiled.GetValue(resource, r => new Lazy<CustomResourceSchema>(
            () => CustomResourceSchema.Compile(r.Schema!, $"{r.Plural}.{r.Group}", CustomResourceSchema.DefaultSchemaPath),
            LazyThreadSafetyMode.ExecutionAndPublication)).Value;
}
