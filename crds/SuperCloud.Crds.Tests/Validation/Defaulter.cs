using System.Text.Json.Nodes;

namespace SuperCloud.Crds.Tests.Validation;

/// <summary>Fills in schema defaults the way the API server does before validating (absent fields of present objects only).</summary>
internal static class Defaulter
{
    public static void Apply(JsonObject schema, JsonNode? value)
    {
        switch (value)
        {
            case JsonObject obj when schema["properties"] is JsonObject properties:
                foreach (var (name, propertySchema) in properties)
                {
                    if (!obj.ContainsKey(name) && propertySchema!["default"] is { } @default)
                    {
                        obj[name] = @default.DeepClone();
                    }

                    if (obj[name] is { } child)
                    {
                        Apply(propertySchema!.AsObject(), child);
                    }
                }

                break;
            case JsonObject map when schema["additionalProperties"] is JsonObject valueSchema:
                foreach (var (_, child) in map)
                {
                    Apply(valueSchema, child);
                }

                break;
            case JsonArray array when schema["items"] is JsonObject itemSchema:
                foreach (var item in array)
                {
                    Apply(itemSchema, item);
                }

                break;
        }
    }
}
