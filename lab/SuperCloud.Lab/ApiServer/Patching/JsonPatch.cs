using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>RFC 6902 JSON patch (<c>application/json-patch+json</c>) with kube-apiserver's error mapping.</summary>
public static class JsonPatch
{
    /// <summary>kube-apiserver refuses JSON patches with more operations than this.</summary>
    public const int MaxOperations = 10000;

    /// <summary>Applies <paramref name="patchDocument"/> (an array of operations) to a copy of <paramref name="target"/>.</summary>
    /// <exception cref="StatusException">400 for a malformed patch, 413 for too many operations, 422 when an operation does not apply.</exception>
    public static JsonNode Apply(JsonNode target, JsonNode patchDocument)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (patchDocument is not JsonArray operations)
        {
            throw PatchErrors.BadRequest(
                $"json: cannot unmarshal {GoTypeName(patchDocument)} into Go value of type jsonpatch.Patch");
        }

        foreach (var op in operations)
        {
            if (op is not JsonObject)
            {
                throw PatchErrors.BadRequest(
                    $"json: cannot unmarshal {GoTypeName(op)} into Go value of type jsonpatch.Operation");
            }
        }

        if (operations.Count > MaxOperations)
        {
            throw new StatusException(413, "RequestEntityTooLarge",
                $"The allowed maximum operations in a JSON patch is {MaxOperations}, got {operations.Count}");
        }

        var doc = target.DeepClone();
        var root = new JsonObject { ["doc"] = doc };
        for (var i = 0; i < operations.Count; i++)
        {
            ApplyOperation(root, (JsonObject)operations[i]!, i);
        }

        return root["doc"] ?? throw PatchErrors.NotApplicable("patch produced a null document");
    }

    private static string GoTypeName(JsonNode? node) => JsonValues.KindOf(node) switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };

    private static void ApplyOperation(JsonObject root, JsonObject operation, int index)
    {
        var op = ReadString(operation, "op")
            ?? throw PatchErrors.NotApplicable($"operation {index}: missing or non-string \"op\"");
        var path = ReadString(operation, "path")
            ?? throw PatchErrors.NotApplicable($"operation {index} ({op}): missing or non-string \"path\"");
        switch (op)
        {
            case "add":
                Add(root, path, RequireValue(operation, op, index));
                break;
            case "remove":
                Remove(root, path);
                break;
            case "replace":
                Replace(root, path, RequireValue(operation, op, index));
                break;
            case "move":
            {
                var from = ReadString(operation, "from")
                    ?? throw PatchErrors.NotApplicable($"operation {index} (move): missing \"from\"");
                if (path.StartsWith(from + "/", StringComparison.Ordinal))
                {
                    throw PatchErrors.NotApplicable($"move operation: \"path\" {path} is a child of \"from\" {from}");
                }

                var value = Get(root, from) ?? throw PatchErrors.NotApplicable($"move operation: missing \"from\" location {from}");
                if (from == path)
                {
                    break;
                }

                Remove(root, from);
                Add(root, path, value.Node);
                break;
            }

            case "copy":
            {
                var from = ReadString(operation, "from")
                    ?? throw PatchErrors.NotApplicable($"operation {index} (copy): missing \"from\"");
                var value = Get(root, from) ?? throw PatchErrors.NotApplicable($"copy operation: missing \"from\" location {from}");
                Add(root, path, JsonValues.Clone(value.Node));
                break;
            }

            case "test":
            {
                var expected = operation.TryGetPropertyValue("value", out var v) ? v : null;
                var actual = Get(root, path);
                if (actual is null)
                {
                    // A missing member of an existing object tests equal to null, as evanphx/json-patch (used by
                    // kube-apiserver) does; a missing parent does not.
                    if (expected is null && ParentExists(root, path))
                    {
                        break;
                    }

                    throw PatchErrors.NotApplicable($"testing value {path} failed: test failed");
                }

                if (!JsonValues.DeepEquals(actual.Value.Node, expected))
                {
                    throw PatchErrors.NotApplicable($"testing value {path} failed: test failed");
                }

                break;
            }

            default:
                throw PatchErrors.NotApplicable($"Unexpected kind: {op}");
        }
    }

    private static JsonNode? RequireValue(JsonObject operation, string op, int index) =>
        operation.TryGetPropertyValue("value", out var value)
            ? JsonValues.Clone(value)
            : throw PatchErrors.NotApplicable($"operation {index} ({op}): missing \"value\"");

    private static string? ReadString(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? JsonValues.Text(v) : null;

    /// <summary>Splits a JSON pointer into unescaped tokens; the document root is the "doc" member of the holder.</summary>
    private static List<string> Tokens(string pointer)
    {
        var tokens = new List<string> { "doc" };
        if (pointer.Length == 0)
        {
            return tokens;
        }

        if (pointer[0] != '/')
        {
            throw PatchErrors.NotApplicable($"invalid JSON pointer {pointer}: must start with /");
        }

        foreach (var raw in pointer[1..].Split('/'))
        {
            tokens.Add(raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        return tokens;
    }

    private readonly record struct Located(JsonNode? Node);

    private static JsonNode? Container(JsonObject root, List<string> tokens, string pointer)
    {
        JsonNode? current = root;
        for (var i = 0; i < tokens.Count - 1; i++)
        {
            current = current switch
            {
                JsonObject o when o.TryGetPropertyValue(tokens[i], out var child) => child,
                JsonArray a when TryIndex(a, tokens[i], false, out var idx) => a[idx],
                _ => throw PatchErrors.NotApplicable($"doc is missing path: {pointer}"),
            };
        }

        return current;
    }

    private static bool TryIndex(JsonArray array, string token, bool forInsert, out int index)
    {
        index = -1;
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0') ||
            !int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
        {
            return false;
        }

        if (i < 0)
        {
            // evanphx/json-patch accepts negative indices counted from the end.
            i += array.Count;
            if (i < 0)
            {
                return false;
            }
        }

        var max = forInsert ? array.Count : array.Count - 1;
        if (i > max)
        {
            return false;
        }

        index = i;
        return true;
    }

    private static bool ParentExists(JsonObject root, string pointer)
    {
        var slash = pointer.LastIndexOf('/');
        return slash >= 0 && Get(root, pointer[..slash])?.Node is JsonObject or JsonArray;
    }

    private static Located? Get(JsonObject root, string pointer)
    {
        var tokens = Tokens(pointer);
        JsonNode? current = root;
        foreach (var token in tokens)
        {
            switch (current)
            {
                case JsonObject o when o.TryGetPropertyValue(token, out var child):
                    current = child;
                    break;
                case JsonArray a when TryIndex(a, token, false, out var idx):
                    current = a[idx];
                    break;
                default:
                    return null;
            }
        }

        return new Located(current);
    }

    private static void Add(JsonObject root, string pointer, JsonNode? value)
    {
        var tokens = Tokens(pointer);
        var container = Container(root, tokens, pointer);
        var last = tokens[^1];
        switch (container)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a:
                if (last == "-")
                {
                    a.Add(value);
                }
                else if (TryIndex(a, last, true, out var idx))
                {
                    a.Insert(idx, value);
                }
                else
                {
                    throw PatchErrors.NotApplicable($"add operation: index {last} out of bounds in {pointer}");
                }

                break;
            default:
                throw PatchErrors.NotApplicable($"add operation does not apply: doc is missing path: {pointer}");
        }
    }

    private static void Remove(JsonObject root, string pointer)
    {
        if (pointer.Length == 0)
        {
            throw PatchErrors.NotApplicable("remove operation: cannot remove the whole document");
        }

        var tokens = Tokens(pointer);
        var container = Container(root, tokens, pointer);
        var last = tokens[^1];
        switch (container)
        {
            case JsonObject o when o.ContainsKey(last):
                o.Remove(last);
                break;
            case JsonObject:
                throw PatchErrors.NotApplicable($"Unable to remove nonexistent key: {last}: missing value");
            case JsonArray a when TryIndex(a, last, false, out var idx):
                a.RemoveAt(idx);
                break;
            default:
                throw PatchErrors.NotApplicable($"remove operation does not apply: doc is missing path: {pointer}");
        }
    }

    private static void Replace(JsonObject root, string pointer, JsonNode? value)
    {
        var tokens = Tokens(pointer);
        var container = Container(root, tokens, pointer);
        var last = tokens[^1];
        switch (container)
        {
            case JsonObject o when o.ContainsKey(last):
                o[last] = value;
                break;
            case JsonArray a when TryIndex(a, last, false, out var idx):
                a[idx] = value;
                break;
            default:
                throw PatchErrors.NotApplicable($"replace operation does not apply: doc is missing key: {pointer}");
        }
    }
}
