using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.Generator;

/// <summary>Builds the structural OpenAPI v3 schema of a C# API type from its properties, attributes and doc comments.</summary>
/// <param name="docs">The documentation of the API assembly.</param>
internal sealed class SchemaBuilder(XmlDocs docs)
{
    /// <summary>Returns the schema of a class: an object whose properties are the class's public properties, less the skipped JSON names.</summary>
    public JsonObject ForObject(Type type, IReadOnlySet<string>? skip = null)
    {
        var properties = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var required = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = JsonName(property);
            if (skip?.Contains(name) == true)
            {
                continue;
            }

            properties[name] = ForProperty(property);
            if (property.IsDefined(typeof(RequiredMemberAttribute), inherit: false))
            {
                required.Add(name);
            }
        }

        var schema = new JsonObject();
        SetDescription(schema, docs.Of(type), type.FullName!);
        var props = new JsonObject();
        foreach (var (name, value) in properties)
        {
            props[name] = value;
        }

        schema["properties"] = props;
        if (required.Count > 0)
        {
            schema["required"] = new JsonArray([.. required.Select(r => JsonValue.Create(r))]);
        }

        schema["type"] = "object";
        AddRules(schema, type.GetCustomAttributes<CelRuleAttribute>());
        return Sorted(schema);
    }

    /// <summary>The JSON name of a property, as KubernetesClient's serializer writes it (camelCase unless renamed).</summary>
    public static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);

    /// <summary>The JSON strings of an enum's members, in declaration order.</summary>
    public static IReadOnlyList<string> EnumValues(Type enumType) =>
        [.. enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name)];

    private JsonObject ForProperty(PropertyInfo property)
    {
        var schema = ForType(property.PropertyType, $"{property.DeclaringType!.Name}.{property.Name}");
        var where = $"{property.DeclaringType!.FullName}.{property.Name}";

        // The property's own doc wins over its type's: it says what the field means in this place.
        var description = docs.Of(property);
        if (description is not null)
        {
            schema["description"] = description;
        }
        else
        {
            SetDescription(schema, null, where);
        }

        if (property.GetCustomAttribute<PatternAttribute>() is { } pattern)
        {
            schema["pattern"] = pattern.Regex;
        }

        if (property.GetCustomAttribute<MinimumAttribute>() is { } minimum)
        {
            schema["minimum"] = minimum.Value;
        }

        if (property.GetCustomAttribute<MaximumAttribute>() is { } maximum)
        {
            schema["maximum"] = maximum.Value;
        }

        if (property.GetCustomAttribute<MaxLengthAttribute>() is { } maxLength)
        {
            schema["maxLength"] = maxLength.Length;
        }

        if (property.GetCustomAttribute<MinItemsAttribute>() is { } minItems)
        {
            schema["minItems"] = minItems.Count;
        }

        if (property.GetCustomAttribute<MaxItemsAttribute>() is { } maxItems)
        {
            schema["maxItems"] = maxItems.Count;
        }

        if (property.GetCustomAttribute<MaxPropertiesAttribute>() is { } maxProperties)
        {
            if (schema["type"]?.GetValue<string>() != "object" || schema["additionalProperties"] is null)
            {
                throw new InvalidOperationException($"{where}: maxProperties needs a map property");
            }

            schema["maxProperties"] = maxProperties.Count;
        }

        if (property.GetCustomAttribute<ValueMaxLengthAttribute>() is { } valueMaxLength)
        {
            if (schema["additionalProperties"] is not JsonObject values || values["type"]?.GetValue<string>() != "string")
            {
                throw new InvalidOperationException($"{where}: a value maxLength needs a map of strings");
            }

            values["maxLength"] = valueMaxLength.Length;
            schema["additionalProperties"] = Sorted(values);
        }

        if (property.GetCustomAttribute<DefaultAttribute>() is { } @default)
        {
            schema["default"] = DefaultValue(@default.Value, schema, where);
        }

        if (property.GetCustomAttribute<ListMapAttribute>() is { } listMap)
        {
            RequireArray(schema, where);
            schema["x-kubernetes-list-type"] = "map";
            schema["x-kubernetes-list-map-keys"] = new JsonArray([.. listMap.Keys.Select(k => JsonValue.Create(k))]);
            var itemRequired = (schema["items"]?["required"] as JsonArray)?.Select(n => n!.GetValue<string>()).ToHashSet() ?? [];
            var missing = listMap.Keys.Where(k => !itemRequired.Contains(k)).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidOperationException($"{where}: list map keys must be required item fields; not required: {string.Join(", ", missing)}");
            }
        }
        else if (property.IsDefined(typeof(ListSetAttribute)))
        {
            RequireArray(schema, where);
            schema["x-kubernetes-list-type"] = "set";
        }

        // A type's own rules come first; rules declared on the property add to them.
        AddRules(schema, property.GetCustomAttributes<CelRuleAttribute>());
        return Sorted(schema);
    }

    private JsonObject ForType(Type type, string where)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int))
        {
            return new JsonObject { ["format"] = "int32", ["type"] = "integer" };
        }

        if (type == typeof(long))
        {
            return new JsonObject { ["format"] = "int64", ["type"] = "integer" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new JsonObject { ["format"] = "date-time", ["type"] = "string" };
        }

        if (type == typeof(ResourceQuantity))
        {
            return new JsonObject
            {
                ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" }),
                ["x-kubernetes-int-or-string"] = true,
            };
        }

        if (type.IsEnum)
        {
            return new JsonObject
            {
                ["enum"] = new JsonArray([.. EnumValues(type).Select(v => JsonValue.Create(v))]),
                ["type"] = "string",
            };
        }

        if (KnownSchemas.For(type) is { } known)
        {
            return known;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(IDictionary<,>) || definition == typeof(Dictionary<,>)))
        {
            if (type.GetGenericArguments()[0] != typeof(string))
            {
                throw new NotSupportedException($"{where}: map keys must be strings");
            }

            return new JsonObject
            {
                ["additionalProperties"] = ForType(type.GetGenericArguments()[1], where),
                ["type"] = "object",
            };
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() is var listDefinition
            && (listDefinition == typeof(IList<>) || listDefinition == typeof(List<>)))
        {
            return new JsonObject
            {
                ["items"] = ForType(type.GetGenericArguments()[0], where),
                ["type"] = "array",
            };
        }

        if (type.IsClass && type.Assembly == typeof(PatternAttribute).Assembly)
        {
            return ForObject(type);
        }

        throw new NotSupportedException($"{where}: no schema mapping for type {type.FullName}");
    }

    private static JsonNode DefaultValue(object value, JsonObject schema, string where)
    {
        JsonNode node = value switch
        {
            string s => JsonValue.Create(s),
            int i => JsonValue.Create(i),
            long l => JsonValue.Create(l),
            bool b => JsonValue.Create(b),
            _ => throw new NotSupportedException($"{where}: default of type {value.GetType().Name} is not supported"),
        };

        // A default the schema itself rejects would make every defaulted object invalid; catch it here.
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, node)))
        {
            throw new InvalidOperationException($"{where}: default {node.ToJsonString()} is not one of {allowed.ToJsonString()}");
        }

        var type = schema["type"]?.GetValue<string>();
        var matches = (type, value) switch
        {
            ("string", string) or ("boolean", bool) or ("integer", int or long) => true,
            _ => false,
        };
        if (!matches)
        {
            throw new InvalidOperationException($"{where}: default {node.ToJsonString()} does not match type {type}");
        }

        return node;
    }

    private static void RequireArray(JsonObject schema, string where)
    {
        if (schema["type"]?.GetValue<string>() != "array")
        {
            throw new InvalidOperationException($"{where}: list type markers need a list property");
        }
    }

    private static void SetDescription(JsonObject schema, string? description, string where) =>
        schema["description"] = description
            ?? throw new InvalidOperationException($"{where} has no XML doc summary; every field needs one for kubectl explain");

    private static void AddRules(JsonObject schema, IEnumerable<CelRuleAttribute> rules)
    {
        var array = schema["x-kubernetes-validations"] as JsonArray ?? [];
        foreach (var rule in rules)
        {
            var node = new JsonObject();
            if (rule.FieldPath is not null)
            {
                // The API server rejects a CRD whose fieldPath names no field of the schema the rule sits on.
                var field = rule.FieldPath.TrimStart('.').Split('.')[0];
                if (!rule.FieldPath.StartsWith('.') || schema["properties"]?[field] is null)
                {
                    throw new InvalidOperationException($"rule \"{rule.Rule}\": fieldPath {rule.FieldPath} names no field of {schema["description"]}");
                }

                node["fieldPath"] = rule.FieldPath;
            }

            node["message"] = rule.Message;
            if (rule.Reason is not null)
            {
                node["reason"] = rule.Reason;
            }

            node["rule"] = rule.Rule;
            array.Add(node);
        }

        if (array.Count > 0)
        {
            schema["x-kubernetes-validations"] = array;
        }
    }

    private static JsonObject Sorted(JsonObject schema)
    {
        var sorted = new JsonObject();
        foreach (var (key, value) in schema.OrderBy(p => p.Key, StringComparer.Ordinal).ToList())
        {
            schema.Remove(key);
            sorted[key] = value;
        }

        return sorted;
    }
}
