using System.Text.Json.Nodes;

namespace SuperCloud.Crds.Tests.Validation;

/// <summary>Validates a manifest as the API server would on create or update: find the CRD, default, check the schema, run the CEL rules.</summary>
internal static class ManifestValidator
{
    public static IReadOnlyList<string> Validate(JsonObject manifest, JsonObject? old = null)
    {
        var apiVersion = manifest["apiVersion"]?.GetValue<string>();
        var kind = manifest["kind"]?.GetValue<string>() ?? "";
        if (apiVersion != "supercloud.dev/v1alpha1")
        {
            return [$"apiVersion: Unsupported value: \"{apiVersion}\": supported values: \"supercloud.dev/v1alpha1\""];
        }

        var schema = CrdCatalog.SchemaOf(kind);
        var value = manifest.DeepClone().AsObject();
        var oldValue = old?.DeepClone().AsObject();
        Defaulter.Apply(schema, value);
        if (oldValue is not null)
        {
            Defaulter.Apply(schema, oldValue);
        }

        var errors = OpenApiSchemaValidator.Validate(schema, value);
        if (errors.Count > 0)
        {
            // The API server stops at schema errors too: CEL rules assume a well-typed object.
            return errors;
        }

        return CelRuleValidator.Validate(schema, value, oldValue);
    }
}
