using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <summary>One committed change (or a bookmark) as the store records and fans it out.</summary>
/// <param name="Type">ADDED, MODIFIED, DELETED or BOOKMARK.</param>
/// <param name="Group">API group of the object.</param>
/// <param name="Plural">Resource plural of the object.</param>
/// <param name="ResourceVersion">Cluster-wide resourceVersion of the change.</param>
/// <param name="Object">The object after the change (its last state for DELETED); never mutated after commit.</param>
/// <param name="Old">The object before the change (MODIFIED only), for selector transitions.</param>
internal sealed record WatchEvent(string Type, string Group, string Plural, long ResourceVersion, JsonObject Object, JsonObject? Old)
{
    private string? _objectJson;

    /// <summary>
    /// The object serialized once, when the first watcher needs it (the history of an unwatched resource keeps no
    /// second copy); a race only builds the same string twice.
    /// </summary>
    public string ObjectJson => _objectJson ??= Object.ToJsonString(Json.Options);

    /// <summary>Marks the end of the initial events of a watch with <c>sendInitialEvents=true</c>.</summary>
    public bool InitialEventsEnd { get; init; }
}
