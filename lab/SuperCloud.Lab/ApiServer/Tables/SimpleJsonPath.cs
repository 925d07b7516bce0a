using System.Globalization;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Tables;

/// <summary>
/// The simple JSONPath subset CRD printer columns allow (<c>.status.phase</c>, <c>.spec.x[0].y</c>,
/// <c>.metadata.labels['app.kubernetes.io/name']</c>, escaped dots <c>a\.b</c>), evaluated to one value or none.
/// </summary>
internal static class SimpleJsonPath
{
    /// <summary>Finds the value at <paramref name="path"/>; false when any step is missing.</summary>
    public static bool TryEvaluate(JsonNode? root, string path, out JsonNode? value)
    {
        value = root;
        foreach (var step in Parse(path))
        {
            if (step is int index)
            {
                if (value is not JsonArray array || index >= array.Count || index < -array.Count)
                {
                    return false;
                }

                value = array[index < 0 ? array.Count + index : index];
            }
            else if (value is JsonObject obj && obj.TryGetPropertyValue((string)step, out var child))
            {
                value = child;
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    private static List<object> Parse(string path)
    {
        var p = path.Trim();
        if (p.StartsWith('{') && p.EndsWith('}'))
        {
            p = p[1..^1].Trim();
        }

        var steps = new List<object>();
        var i = 0;
        while (i < p.Length)
        {
            if (p[i] == '.')
            {
                i++;
                var name = new System.Text.StringBuilder();
                while (i < p.Length && p[i] is not '.' and not '[')
                {
                    if (p[i] == '\\' && i + 1 < p.Length)
                    {
                        i++;
                    }

                    name.Append(p[i++]);
                }

                if (name.Length > 0)
                {
                    steps.Add(name.ToString());
                }
            }
            else if (p[i] == '[')
            {
                var end = p.IndexOf(']', i);
                if (end < 0)
                {
                    break;
                }

                var inner = p[(i + 1)..end].Trim();
                if (inner.Length >= 2 && inner[0] is '\'' or '"')
                {
                    steps.Add(inner[1..^1]);
                }
                else if (int.TryParse(inner, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
                {
                    steps.Add(index);
                }

                i = end + 1;
            }
            else
            {
                var start = i;
                while (i < p.Length && p[i] is not '.' and not '[')
                {
                    i++;
                }

                steps.Add(p[start..i]);
            }
        }

        return steps;
    }
}
