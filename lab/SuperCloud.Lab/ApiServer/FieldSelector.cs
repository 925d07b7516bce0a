using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>A parsed field selector (<c>metadata.name=x,metadata.namespace!=y</c>) limited to the fields kube supports per kind.</summary>
internal sealed class FieldSelector
{
    private readonly List<(string Field, bool Equal, string Value)> _terms = [];

    /// <summary>The selector that matches everything.</summary>
    public static readonly FieldSelector Everything = new();

    /// <summary>The value of <c>metadata.name=</c> when the selector pins one name (kubectl wait/get -w do).</summary>
    public string? SingleName => _terms.Where(t => t.Field == "metadata.name" && t.Equal).Select(t => t.Value).FirstOrDefault();

    public bool Matches(JsonObject obj) =>
        _terms.All(t => (FieldValue(obj, t.Field) == t.Value) == t.Equal);

    public static FieldSelector Parse(string? text, ApiResource resource)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        var supported = SupportedFields(resource);
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var (field, equal, value) = part.Contains("!=", StringComparison.Ordinal)
                ? Split(part, "!=", false)
                : part.Contains("==", StringComparison.Ordinal) ? Split(part, "==", true) : Split(part, "=", true);
            if (field.Length == 0)
            {
                throw Errors.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            }

            if (!supported.Contains(field))
            {
                throw Errors.BadRequest(resource.Schema is not null
                    ? $"field label not supported: {field}"
                    : $"\"{field}\" is not a known field selector: only \"{string.Join("\", \"", supported)}\"");
            }

            selector._terms.Add((field, equal, value));
        }

        return selector;
    }

    private static (string, bool, string) Split(string part, string op, bool equal)
    {
        var index = part.IndexOf(op, StringComparison.Ordinal);
        return index < 0 ? ("", equal, "") : (part[..index].Trim(), equal, part[(index + op.Length)..].Trim());
    }

    private static List<string> SupportedFields(ApiResource resource)
    {
        List<string> fields = ["metadata.name", "metadata.namespace"];
        switch (resource.Group, resource.Plural)
        {
            case ("", "secrets"):
                fields.Add("type");
                break;
            case ("", "namespaces"):
                fields.Add("status.phase");
                break;
            case ("", "events"):
                fields.AddRange(["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                    "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"]);
                break;
            case ("", "pods"):
                fields.AddRange(["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName"]);
                break;
            case ("events.k8s.io", "events"):
                fields.AddRange(["regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason", "type"]);
                break;
        }

        return fields;
    }

    private static string FieldValue(JsonObject obj, string field)
    {
        if (field == "source")
        {
            return Json.Str(obj["source"], "component") ?? "";
        }

        JsonNode? node = obj;
        foreach (var part in field.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node is JsonValue v ? (v.TryGetValue<string>(out var s) ? s : v.ToJsonString()) : "";
    }
}
