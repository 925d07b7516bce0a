using System.Globalization;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>Converts JSON values to what CEL rules see, typed by the schema as kube does (objects as maps, integers as int64).</summary>
internal static class CelValues
{
    /// <summary>The CEL value of <paramref name="node"/> under schema <paramref name="s"/> (null schema: by JSON kind).</summary>
    public static object? From(JsonNode? node, SchemaNode? s)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                var map = new Dictionary<string, object?>(obj.Count, StringComparer.Ordinal);
                foreach (var (key, child) in obj)
                {
                    var childSchema = s is null ? null : s.Properties.GetValueOrDefault(key) ?? s.AdditionalProperties;
                    map[key] = From(child, childSchema);
                }

                return map;
            case JsonArray array:
                return array.Select(item => From(item, s?.Items)).ToList();
            case JsonValue value:
                if (JsonNumbers.IsString(value, out var text))
                {
                    if (s?.Format is "date-time" or "datetime"
                        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var timestamp))
                    {
                        return timestamp;
                    }

                    return text;
                }

                if (JsonNumbers.IsBool(value))
                {
                    return value.GetValue<bool>();
                }

                if (s?.Type != "number" && JsonNumbers.TryGetLong(value, out var l))
                {
                    return l;
                }

                if (JsonNumbers.TryGetDouble(value, out var d))
                {
                    return s?.Type == "integer" && Math.Truncate(d) == d ? (object)(long)d : d;
                }

                return null;
            default:
                return null;
        }
    }
}
