using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>Reads and writes <c>metadata.managedFields</c> in kube's encoding and order.</summary>
internal static class ManagedFieldsCodec
{
    /// <summary>The FieldsV1 fields type.</summary>
    public const string FieldsV1 = "FieldsV1";

    /// <summary>Decodes the entries of <paramref name="obj"/>; null when absent or empty.</summary>
    /// <exception cref="FormatException">When an entry is malformed or duplicated.</exception>
    public static List<ManagedFieldsEntry>? Decode(JsonObject? obj)
    {
        if (obj?["metadata"] is not JsonObject meta || meta["managedFields"] is not JsonArray entries || entries.Count == 0)
        {
            return null;
        }

        var result = new List<ManagedFieldsEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in entries)
        {
            if (node is not JsonObject e)
            {
                throw new FormatException("managedFields entry is not an object");
            }

            var fieldsType = Str(e, "fieldsType");
            if (fieldsType is not null && fieldsType != FieldsV1)
            {
                throw new FormatException($"unsupported fieldsType {fieldsType}");
            }

            var operation = Str(e, "operation") ?? "";
            if (operation is not (ManagedFieldsEntry.Apply or ManagedFieldsEntry.Update))
            {
                throw new FormatException($"unsupported operation {operation}");
            }

            var fields = e["fieldsV1"] is JsonObject f ? FieldSet.FromFieldsV1(f) : new FieldSet();
            var entry = new ManagedFieldsEntry(Str(e, "manager") ?? "", operation, Str(e, "apiVersion") ?? "",
                Str(e, "time"), Str(e, "subresource"), fields);
            if (!seen.Add(entry.Identifier))
            {
                throw new FormatException($"duplicate entries for manager {entry.Identifier}");
            }

            result.Add(entry);
        }

        return result;
    }

    /// <summary>Decodes, treating malformed managed fields as absent.</summary>
    public static List<ManagedFieldsEntry>? TryDecode(JsonObject? obj)
    {
        try
        {
            return Decode(obj);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Writes the non-empty entries into <c>metadata.managedFields</c>, sorted as kube sorts them; removes the field when none remain.</summary>
    public static void Encode(JsonObject obj, IEnumerable<ManagedFieldsEntry> entries)
    {
        var list = entries.Where(e => !e.Fields.IsEmpty)
            .OrderBy(e => e.Operation, StringComparer.Ordinal)
            .ThenBy(e => Seconds(e.Time))
            .ThenBy(e => e.Manager, StringComparer.Ordinal)
            .ThenBy(e => e.ApiVersion, StringComparer.Ordinal)
            .ThenBy(e => e.Subresource ?? "", StringComparer.Ordinal)
            .ToList();
        var meta = obj["metadata"] as JsonObject;
        if (list.Count == 0)
        {
            meta?.Remove("managedFields");
            return;
        }

        if (meta is null)
        {
            meta = [];
            obj["metadata"] = meta;
        }

        var array = new JsonArray();
        foreach (var e in list)
        {
            var node = new JsonObject { ["manager"] = e.Manager, ["operation"] = e.Operation };
            if (e.ApiVersion.Length > 0)
            {
                node["apiVersion"] = e.ApiVersion;
            }

            if (e.Time is not null)
            {
                node["time"] = e.Time;
            }

            node["fieldsType"] = FieldsV1;
            node["fieldsV1"] = e.Fields.ToFieldsV1();
            if (e.Subresource is not null)
            {
                node["subresource"] = e.Subresource;
            }

            array.Add(node);
        }

        meta["managedFields"] = array;
    }

    /// <summary>Formats a time as metav1.Time does (RFC 3339, seconds, UTC).</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);

    private static long Seconds(string? time) =>
        time is not null && DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUnixTimeSeconds()
            : 0;

    private static string? Str(JsonObject o, string name) =>
        o[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? JsonValues.Text(v) : null;
}
