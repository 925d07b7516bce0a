using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>Formats values the way Go's fmt verbs do, so messages match kube-apiserver's byte for byte.</summary>
internal static class GoText
{
    /// <summary>Go's <c>%q</c> for a string: double quotes, backslash escapes for quotes and control characters.</summary>
    public static string Quote(string value)
    {
        var sb = new StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (c < 0x20 || c == 0x7f)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>
    /// A bad value as field.Error prints it: strings quoted (<c>%q</c>), numbers and booleans bare (<c>%v</c>), null as
    /// <c>null</c>, and maps and lists in Go syntax (<c>%#v</c>), e.g. <c>map[string]interface {}{"name":"a"}</c>.
    /// </summary>
    public static string Value(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => Quote(s),
        JsonValue v => v.ToJsonString(),
        _ => GoSyntax(value),
    };

    /// <summary>Go's <c>%#v</c> of a decoded JSON value (map[string]interface{}, []interface{}, int64, float64, ...).</summary>
    public static string GoSyntax(JsonNode? value) => value switch
    {
        null => "interface {}(nil)",
        JsonObject o => "map[string]interface {}{" +
            string.Join(", ", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Quote(p.Key) + ":" + GoSyntax(p.Value))) + "}",
        JsonArray a => "[]interface {}{" + string.Join(", ", a.Select(GoSyntax)) + "}",
        JsonValue v when v.TryGetValue<string>(out var s) => Quote(s),
        _ => value.ToJsonString(),
    };

    /// <summary>A number as Go's <c>%v</c> prints a float64 or int64 (no trailing <c>.0</c>).</summary>
    public static string Number(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
