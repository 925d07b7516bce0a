using System.Globalization;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>The snapshot file of the earlier storage format (every object plus the resourceVersion counter), read once to migrate it to the <see cref="Storage.StoreLog"/>.</summary>
internal static class SnapshotFile
{
    public const string FileName = "apiserver-snapshot.json";

    /// <summary>Loads a snapshot; null when the file does not exist.</summary>
    public static (long ResourceVersion, List<(string Group, string Plural, JsonObject Object)> Objects)? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var body = Json.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new InvalidDataException($"snapshot {path} is not a JSON object");
        var rv = long.Parse(Json.Str(body, "resourceVersion") ?? "0", CultureInfo.InvariantCulture);
        var objects = (body["objects"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(e => (Json.Str(e, "group") ?? "", Json.Str(e, "resource") ?? "", (JsonObject)e["object"]!.DeepClone()))
            .ToList();
        return (rv, objects);
    }
}
