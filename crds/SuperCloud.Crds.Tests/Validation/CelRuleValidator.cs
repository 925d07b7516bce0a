using System.Text.Json;
using System.Text.Json.Nodes;
using Cel;
using Google.Protobuf.Reflection;

namespace SuperCloud.Crds.Tests.Validation;

/// <summary>
/// Evaluates a CRD's x-kubernetes-validations with the Cel package, as the API server does: each rule runs with
/// <c>self</c> bound to the value at its schema node; transition rules (those using <c>oldSelf</c>) run only on
/// update and only where the old object has a value at the same place (object fields and list-map items by key).
/// </summary>
internal static class CelRuleValidator
{
    private static readonly Lock Gate = new();
    private static readonly CelEnvironment Environment = new(Array.Empty<FileDescriptor>(), "");
    private static readonly Dictionary<string, CelProgramDelegate> Programs = new(StringComparer.Ordinal);

    /// <summary>Returns kube-apiserver style errors for every rule that evaluates to false.</summary>
    public static IReadOnlyList<string> Validate(JsonObject schema, JsonNode? value, JsonNode? oldValue = null)
    {
        var errors = new List<string>();
        Walk(schema, value, oldValue, "", errors);
        return errors;
    }

    private static void Walk(JsonObject schema, JsonNode? value, JsonNode? oldValue, string path, List<string> errors)
    {
        if (value is null)
        {
            return;
        }

        if (schema["x-kubernetes-validations"] is JsonArray rules)
        {
            foreach (var rule in rules.Select(r => r!.AsObject()))
            {
                Check(rule, value, oldValue, path, errors);
            }
        }

        switch (value)
        {
            case JsonObject obj when schema["properties"] is JsonObject properties:
                foreach (var (name, child) in obj)
                {
                    if (properties[name] is JsonObject childSchema)
                    {
                        Walk(childSchema, child, (oldValue as JsonObject)?[name], Join(path, name), errors);
                    }
                }

                break;
            case JsonObject map when schema["additionalProperties"] is JsonObject valueSchema:
                foreach (var (key, child) in map)
                {
                    Walk(valueSchema, child, (oldValue as JsonObject)?[key], $"{path}[{key}]", errors);
                }

                break;
            case JsonArray array when schema["items"] is JsonObject itemSchema:
                var keys = (schema["x-kubernetes-list-map-keys"] as JsonArray)?.Select(k => k!.GetValue<string>()).ToList();
                for (var i = 0; i < array.Count; i++)
                {
                    var old = keys is null ? null : (oldValue as JsonArray)?.FirstOrDefault(o => SameKey(o, array[i], keys));
                    Walk(itemSchema, array[i], old, $"{path}[{i}]", errors);
                }

                break;
        }
    }

    private static void Check(JsonObject rule, JsonNode value, JsonNode? oldValue, string path, List<string> errors)
    {
        var expression = rule["rule"]!.GetValue<string>();
        var isTransition = expression.Contains("oldSelf", StringComparison.Ordinal);
        if (isTransition && oldValue is null)
        {
            return;
        }

        var variables = new Dictionary<string, object?> { ["self"] = ToCel(value) };
        if (isTransition)
        {
            variables["oldSelf"] = ToCel(oldValue);
        }

        object? result;
        lock (Gate)
        {
            if (!Programs.TryGetValue(expression, out var program))
            {
                program = Environment.Compile(expression);
                Programs[expression] = program;
            }

            result = program.Invoke(variables);
        }

        if (result is true)
        {
            return;
        }

        if (result is not false)
        {
            throw new InvalidOperationException($"rule {expression} at {path} returned {result ?? "null"}, not a boolean");
        }

        var fieldPath = rule["fieldPath"]?.GetValue<string>() ?? "";
        var at = path + fieldPath;
        var message = rule["message"]?.GetValue<string>() ?? $"failed rule: {expression}";
        errors.Add((rule["reason"]?.GetValue<string>()) switch
        {
            "FieldValueRequired" => $"{at}: Required value: {message}",
            "FieldValueForbidden" => $"{at}: Forbidden: {message}",
            "FieldValueDuplicate" => $"{at}: Duplicate value: {message}",
            _ => $"{at}: Invalid value: \"{TypeName(value)}\": {message}",
        });
    }

    /// <summary>Converts JSON to the values the Cel package works with: maps, lists, strings, longs, doubles, booleans.</summary>
    public static object? ToCel(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToCel(p.Value), StringComparer.Ordinal),
        JsonArray array => array.Select(ToCel).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when v.TryGetValue<long>(out var l) => l,
            JsonValueKind.Number => v.TryGetValue<double>(out var d) ? d : double.Parse(v.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        },
        _ => throw new NotSupportedException($"unexpected JSON node {node.GetType().Name}"),
    };

    private static bool SameKey(JsonNode? old, JsonNode? current, List<string> keys) =>
        keys.All(k => JsonNode.DeepEquals(old?[k], current?[k]));

    private static string TypeName(JsonNode value) => value switch
    {
        JsonObject => "object",
        JsonArray => "array",
        _ => value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString(),
    };

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
