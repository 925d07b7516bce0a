using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>Small helpers over <see cref="JsonNode"/> for reading and writing object fields by name.</summary>
internal static class Json
{
    /// <summary>
    /// How deeply a request body may nest (400 beyond). Far past any real manifest, and low enough that every recursive
    /// walk over an object (validation, patches, field sets) stays well inside a thread's stack.
    /// </summary>
    public const int MaxRequestDepth = 256;

    /// <summary>The depth the server itself reads and writes (request depth plus the envelopes it wraps objects in).</summary>
    private const int MaxDepth = 2 * MaxRequestDepth;

    /// <summary>
    /// Serializer options used for every body the server writes: quotes inside strings escaped as <c>\"</c>, as
    /// Kubernetes writes them, rather than System.Text.Json's default <c>\u0022</c>.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new() { WriteIndented = false, MaxDepth = MaxDepth, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    private static readonly JsonDocumentOptions RequestOptions = new() { MaxDepth = MaxRequestDepth };

    /// <summary>Parses JSON the server wrote or stored.</summary>
    public static JsonNode? Parse(string json) => JsonNode.Parse(json, documentOptions: DocumentOptions);

    /// <summary>Parses UTF-8 JSON the server wrote or stored.</summary>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8) => JsonNode.Parse(utf8, documentOptions: DocumentOptions);

    /// <summary>Parses a client's JSON body: nesting beyond <see cref="MaxRequestDepth"/> is a <see cref="JsonException"/> (400).</summary>
    public static JsonNode? ParseRequest(string json) => JsonNode.Parse(json, documentOptions: RequestOptions);

    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = [];
        obj["metadata"] = meta;
        return meta;
    }

    public static string? Str(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>An integer field whatever CLR type backs it (parsed JSON or a value the server set); null if absent.</summary>
    public static long? Long(JsonNode? node) =>
        node is JsonValue v && long.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var l) ? l : null;

    public static string? MetaStr(JsonObject obj, string name) => Str(obj["metadata"], name);

    public static string Name(JsonObject obj) => MetaStr(obj, "name") ?? "";

    public static string? Namespace(JsonObject obj) => MetaStr(obj, "namespace");

    public static long ResourceVersion(JsonObject obj) =>
        long.TryParse(MetaStr(obj, "resourceVersion"), out var rv) ? rv : 0;

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["metadata"]?["labels"] is JsonObject labels)
        {
            foreach (var (k, v) in labels)
            {
                result[k] = v is JsonValue value && value.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? "";
            }
        }

        return result;
    }

    public static List<string> Finalizers(JsonObject obj) =>
        obj["metadata"]?["finalizers"] is JsonArray array
            ? array.Select(f => f?.GetValue<string>() ?? "").ToList()
            : [];

    public static void SetFinalizers(JsonObject obj, IEnumerable<string> finalizers)
    {
        var list = finalizers.ToList();
        if (list.Count == 0)
        {
            Metadata(obj).Remove("finalizers");
        }
        else
        {
            Metadata(obj)["finalizers"] = new JsonArray(list.Select(f => (JsonNode?)JsonValue.Create(f)).ToArray());
        }
    }

    public static bool IsDeleting(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    public static JsonObject Clone(JsonObject obj) => (JsonObject)obj.DeepClone();

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Deep equality of two nodes (order of object keys ignored).</summary>
    public static bool DeepEquals(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);

    /// <summary>The object without <c>metadata</c> and, optionally, <c>status</c>: what a spec change compares.</summary>
    public static JsonObject WithoutMetadata(JsonObject obj, bool dropStatus)
    {
        var copy = Clone(obj);
        copy.Remove("metadata");
        copy.Remove("apiVersion");
        copy.Remove("kind");
        if (dropStatus)
        {
            copy.Remove("status");
        }

        return copy;
    }
}
