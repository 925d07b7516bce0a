using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>Decodes the body of an <c>application/apply-patch+yaml</c> request, which may be YAML or JSON.</summary>
public static partial class ApplyConfiguration
{
    /// <summary>Parses the body into an object.</summary>
    /// <exception cref="StatusException">400 "error decoding YAML: ..." when the body is not a single YAML/JSON object.</exception>
    public static JsonObject Parse(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        JsonNode? node;
        try
        {
            var trimmed = body.TrimStart();
            node = trimmed.StartsWith('{') ? Json.ParseRequest(body) : FromYaml(body);
        }
        catch (Exception ex) when (ex is JsonException or YamlException or FormatException)
        {
            throw PatchErrors.BadRequest($"error decoding YAML: {ex.Message}");
        }

        return node as JsonObject
            ?? throw PatchErrors.BadRequest($"error decoding YAML: the body must be an object, got {PatchErrors.Describe(node)}");
    }

    private static JsonNode? FromYaml(string body)
    {
        YamlBudget.CheckNesting(body);
        var stream = new YamlStream();
        using (var reader = new StringReader(body))
        {
            stream.Load(reader);
        }

        if (stream.Documents.Count == 0)
        {
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            throw new FormatException("the body must hold exactly one YAML document");
        }

        return Convert(stream.Documents[0].RootNode, new YamlBudget(), 1, false);
    }

    private static JsonNode? Convert(YamlNode node, YamlBudget budget, int depth, bool viaAlias)
    {
        viaAlias = budget.Enter(node, depth, viaAlias);
        switch (node)
        {
            case YamlMappingNode map:
            {
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    var name = key is YamlScalarNode s ? s.Value ?? "" : throw new FormatException("mapping keys must be scalars");
                    obj[name] = Convert(value, budget, depth + 1, viaAlias);
                }

                return obj;
            }

            case YamlSequenceNode seq:
                return new JsonArray(seq.Children.Select(c => Convert(c, budget, depth + 1, viaAlias)).ToArray());
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new FormatException($"unsupported YAML node {node.NodeType}");
        }
    }

    // Plain scalars resolve like the YAML 1.1 decoder kube-apiserver uses; quoted ones stay strings.
    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" or "y" or "Y":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" or "n" or "N":
                return JsonValue.Create(false);
        }

        if (IntegerPattern().IsMatch(text) && long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (FloatPattern().IsMatch(text) && double.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9_]*)$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$")]
    private static partial Regex FloatPattern();
}
