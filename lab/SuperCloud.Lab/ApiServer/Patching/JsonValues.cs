using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>Value-level helpers over JSON nodes: kind, numeric-aware equality, ordering and Go-compatible encodings.</summary>
internal static class JsonValues
{
    /// <summary>The JSON kind of a node; a C# null is JSON null.</summary>
    public static JsonValueKind KindOf(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    /// <summary>The string of a JSON string value, also when the node wraps a CLR value such as a Guid.</summary>
    public static string Text(JsonNode node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : JsonSerializer.Deserialize<string>(node.ToJsonString()) ?? "";

    /// <summary>Deep copy that tolerates null.</summary>
    public static JsonNode? Clone(JsonNode? node) => node?.DeepClone();

    /// <summary>Deep equality where numbers compare by value (1 equals 1.0), as Go's decoded JSON does.</summary>
    public static bool DeepEquals(JsonNode? a, JsonNode? b)
    {
        var ka = KindOf(a);
        var kb = KindOf(b);
        if (ka != kb)
        {
            return false;
        }

        switch (ka)
        {
            case JsonValueKind.Null:
            case JsonValueKind.True:
            case JsonValueKind.False:
                return true;
            case JsonValueKind.String:
                return string.Equals(Text(a!), Text(b!), StringComparison.Ordinal);
            case JsonValueKind.Number:
                return CompareNumbers(a!, b!) == 0;
            case JsonValueKind.Array:
            {
                var x = a!.AsArray();
                var y = b!.AsArray();
                if (x.Count != y.Count)
                {
                    return false;
                }

                for (var i = 0; i < x.Count; i++)
                {
                    if (!DeepEquals(x[i], y[i]))
                    {
                        return false;
                    }
                }

                return true;
            }

            case JsonValueKind.Object:
            {
                var x = a!.AsObject();
                var y = b!.AsObject();
                if (x.Count != y.Count)
                {
                    return false;
                }

                foreach (var (key, value) in x)
                {
                    if (!y.TryGetPropertyValue(key, out var other) || !DeepEquals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            }

            default:
                return false;
        }
    }

    /// <summary>Total order of values as structured-merge-diff sorts them: numbers, strings, booleans, lists, maps, null.</summary>
    public static int Compare(JsonNode? a, JsonNode? b)
    {
        var ra = Rank(KindOf(a));
        var rb = Rank(KindOf(b));
        if (ra != rb)
        {
            return ra.CompareTo(rb);
        }

        switch (KindOf(a))
        {
            case JsonValueKind.Number:
                return CompareNumbers(a!, b!);
            case JsonValueKind.String:
                return string.CompareOrdinal(Text(a!), Text(b!));
            case JsonValueKind.True:
            case JsonValueKind.False:
                return (KindOf(a) == JsonValueKind.True).CompareTo(KindOf(b) == JsonValueKind.True);
            case JsonValueKind.Array:
            {
                var x = a!.AsArray();
                var y = b!.AsArray();
                for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
                {
                    var c = Compare(x[i], y[i]);
                    if (c != 0)
                    {
                        return c;
                    }
                }

                return x.Count.CompareTo(y.Count);
            }

            case JsonValueKind.Object:
            {
                var x = a!.AsObject().OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
                var y = b!.AsObject().OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
                for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
                {
                    var c = string.CompareOrdinal(x[i].Key, y[i].Key);
                    if (c == 0)
                    {
                        c = Compare(x[i].Value, y[i].Value);
                    }

                    if (c != 0)
                    {
                        return c;
                    }
                }

                return x.Count.CompareTo(y.Count);
            }

            default:
                return 0;
        }
    }

    private static int Rank(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Number => 0,
        JsonValueKind.String => 1,
        JsonValueKind.True or JsonValueKind.False => 2,
        JsonValueKind.Array => 3,
        JsonValueKind.Object => 4,
        _ => 5,
    };

    private static int CompareNumbers(JsonNode a, JsonNode b)
    {
        var sa = a.ToJsonString();
        var sb = b.ToJsonString();
        if (decimal.TryParse(sa, NumberStyles.Float, CultureInfo.InvariantCulture, out var da) &&
            decimal.TryParse(sb, NumberStyles.Float, CultureInfo.InvariantCulture, out var db))
        {
            return da.CompareTo(db);
        }

        return double.Parse(sa, CultureInfo.InvariantCulture).CompareTo(double.Parse(sb, CultureInfo.InvariantCulture));
    }

    /// <summary>Compact JSON with the escaping of Go's encoding/json (HTML-safe), as kube writes keys in FieldsV1.</summary>
    public static string GoJson(JsonNode? node)
    {
        var sb = new StringBuilder();
        WriteGoJson(sb, node);
        return sb.ToString();
    }

    private static void WriteGoJson(StringBuilder sb, JsonNode? node)
    {
        switch (KindOf(node))
        {
            case JsonValueKind.Null:
                sb.Append("null");
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            case JsonValueKind.Number:
                sb.Append(node!.ToJsonString());
                break;
            case JsonValueKind.String:
                WriteGoString(sb, Text(node!));
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                var first = true;
                foreach (var item in node!.AsArray())
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }

                    first = false;
                    WriteGoJson(sb, item);
                }

                sb.Append(']');
                break;
            case JsonValueKind.Object:
                sb.Append('{');
                var firstField = true;
                foreach (var (key, value) in node!.AsObject().OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!firstField)
                    {
                        sb.Append(',');
                    }

                    firstField = false;
                    WriteGoString(sb, key);
                    sb.Append(':');
                    WriteGoJson(sb, value);
                }

                sb.Append('}');
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    /// <summary>Writes a JSON string literal escaped the way Go's encoding/json does.</summary>
    public static void WriteGoString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '<' or '>' or '&' or '\u2028' or '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }

    /// <summary>A value as Go's <c>%v</c>/<c>%q</c> prints it inside structured-merge-diff paths: strings quoted.</summary>
    public static string ToPathString(JsonNode? node) => KindOf(node) switch
    {
        JsonValueKind.String => GoQuote(Text(node!)),
        JsonValueKind.Null => "null",
        _ => GoJson(node),
    };

    /// <summary>Go's <c>%q</c> of a string.</summary>
    public static string GoQuote(string s) => Validation.GoText.Quote(s);

    /// <summary>Go's <c>%v</c> of a decoded JSON value, used in strategic-merge-patch error messages (<c>map[a:1 b:x]</c>).</summary>
    public static string GoPrint(JsonNode? node) => KindOf(node) switch
    {
        JsonValueKind.Null => "<nil>",
        JsonValueKind.String => Text(node!),
        JsonValueKind.Object => "map[" + string.Join(" ", node!.AsObject()
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => p.Key + ":" + GoPrint(p.Value))) + "]",
        JsonValueKind.Array => "[" + string.Join(" ", node!.AsArray().Select(GoPrint)) + "]",
        _ => node!.ToJsonString(),
    };
}
