using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Converts a YAML document (apply-patch+yaml bodies) to JSON with YAML 1.1 scalar typing as kube's decoder does for plain scalars.</summary>
internal static class YamlJson
{
    public static JsonNode? Parse(string text) => ParseAll(text) is [var first, ..] ? first : null;

    /// <summary>Every document of a multi-document YAML stream (<c>---</c> separated), empty ones skipped.</summary>
    public static IReadOnlyList<JsonNode> ParseAll(string text)
    {
        YamlBudget.CheckNesting(text);
        var stream = new YamlStream();
        using var reader = new StringReader(text);
        stream.Load(reader);
        return [.. stream.Documents.Select(d => Convert(d.RootNode, new YamlBudget(), 1, false)).OfType<JsonNode>()];
    }

    private static JsonNode? Convert(YamlNode node, YamlBudget budget, int depth, bool viaAlias)
    {
        viaAlias = budget.Enter(node, depth, viaAlias);
        return node switch
        {
            YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
                KeyValuePair.Create(kv.Key is YamlScalarNode key ? key.Value ?? "" : throw new FormatException("yaml: mapping keys must be scalars"),
                    Convert(kv.Value, budget, depth + 1, viaAlias)))),
            YamlSequenceNode seq => new JsonArray(seq.Children.Select(c => Convert(c, budget, depth + 1, viaAlias)).ToArray()),
            YamlScalarNode scalar => Scalar(scalar),
            _ => null,
        };
    }

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted
            or YamlDotNet.Core.ScalarStyle.Literal or YamlDotNet.Core.ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && value.Any(char.IsDigit) && !value.Contains('_', StringComparison.Ordinal))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(value);
    }
}
