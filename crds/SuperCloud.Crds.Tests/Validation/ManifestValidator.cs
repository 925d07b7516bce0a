using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Crds.Tests.Validation;

/// <summary>
/// Validates a manifest as the API server does on create or update, with the lab API server's implementation of
/// kube's semantics: strict unknown-field check (pruning), defaulting, then OpenAPI and CEL validation with kube's messages.
/// </summary>
internal static class ManifestValidator
{
    // Compiling a schema (CEL included) costs far more than validating with it; the checked-in CRDs never change.
    private static readonly ConcurrentDictionary<string, CustomResourceSchema> Compiled = new(StringComparer.Ordinal);

    public static IReadOnlyList<string> Validate(JsonObject manifest, JsonObject? old = null)
    {
        var apiVersion = manifest["apiVersion"]?.GetValue<string>();
        var kind = manifest["kind"]?.GetValue<string>() ?? "";
        if (apiVersion != "supercloud.dev/v1alpha1")
        {
            return [$"apiVersion: Unsupported value: \"{apiVersion}\": supported values: \"supercloud.dev/v1alpha1\""];
        }

        var schema = Compiled.GetOrAdd(kind, k => CustomResourceSchema.Compile(CrdCatalog.SchemaOf(k)));
        var value = manifest.DeepClone().AsObject();
        var unknown = schema.Prune(value);
        if (unknown.Count > 0)
        {
            // kubectl's default fieldValidation=Strict fails the request before validation, one text per field.
            return UnknownFields.ToWarnings(unknown);
        }

        schema.ApplyDefaults(value);
        JsonObject? oldValue = null;
        if (old is not null)
        {
            // The stored old object went through the same pruning and defaulting when it was written.
            oldValue = old.DeepClone().AsObject();
            schema.Prune(oldValue);
            schema.ApplyDefaults(oldValue);
        }

        return [.. schema.Validate(value, oldValue).Select(e => e.Message)];
    }
}
