using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>Reads numbers out of JSON values whether they were parsed (JsonElement) or built in code (long, int, double).</summary>
internal static class JsonNumbers
{
    /// <summary>The JSON kind of a value, as the schema validator names it: string, integer, number, boolean, object, array or null.</summary>
    public static string KindName(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => TryGetLong(v, out _) ? "integer" : "number",
            JsonValueKind.Null => "null",
            _ => "object",
        },
        _ => "object",
    };

    /// <summary>True for a JSON number that is an exact int64 (no fraction, in range).</summary>
    public static bool TryGetLong(JsonValue v, out long value)
    {
        if (v.GetValueKind() != JsonValueKind.Number)
        {
            value = 0;
            return false;
        }

        if (v.TryGetValue(out value))
        {
            return true;
        }

        if (v.TryGetValue<int>(out var i))
        {
            value = i;
            return true;
        }

        if (v.TryGetValue<JsonElement>(out var e) && e.TryGetInt64(out value))
        {
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Any JSON number as a double.</summary>
    public static bool TryGetDouble(JsonValue v, out double value)
    {
        value = 0;
        if (v.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (TryGetLong(v, out var l))
        {
            value = l;
            return true;
        }

        if (v.TryGetValue(out value))
        {
            return true;
        }

        if (v.TryGetValue<float>(out var f))
        {
            value = f;
            return true;
        }

        if (v.TryGetValue<decimal>(out var m))
        {
            value = (double)m;
            return true;
        }

        return v.TryGetValue<JsonElement>(out var e) && e.TryGetDouble(out value);
    }

    /// <summary>True when the value is a JSON number (integral or not).</summary>
    public static bool IsNumber(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number;

    /// <summary>True when the value is a JSON string.</summary>
    public static bool IsString(JsonNode? node, out string value)
    {
        value = "";
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.TryGetValue(out value!);
    }

    /// <summary>True when the value is a JSON boolean.</summary>
    public static bool IsBool(JsonNode? node) => node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False;
}
