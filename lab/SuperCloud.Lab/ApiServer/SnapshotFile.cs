using System.Globalization;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>The on-disk snapshot of the store: every object plus the resourceVersion counter, replaced atomically.</summary>
internal static class SnapshotFile
{
    public const string FileName = "apiserver-snapshot.json";

    public static void Save(string path, long resourceVersion, IEnumerable<(string Group, string Plural, JsonObject Object)> objects)
    {
        var body = new JsonObject
        {
            ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture),
            ["objects"] = new JsonArray(objects
                .Select(o => (JsonNode?)new JsonObject { ["group"] = o.Group, ["resource"] = o.Plural, ["object"] = o.Object })
                .ToArray()),
        };
        var temp = path + ".tmp";
        File.WriteAllText(temp, body.ToJsonString(Json.Options));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Loads a snapshot; null when the file does not exist.</summary>
    public static (long ResourceVersion, List<(string Group, string Plural, JsonObject Object)> Objects)? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var body = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new InvalidDataException($"snapshot {path} is not a JSON object");
        var rv = long.Parse(Json.Str(body, "resourceVersion") ?? "0", CultureInfo.InvariantCulture);
        var objects = (body["objects"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(e => (Json.Str(e, "group") ?? "", Json.Str(e, "resource") ?? "", (JsonObject)e["object"]!.DeepClone()))
            .ToList();
        return (rv, objects);
    }
}
