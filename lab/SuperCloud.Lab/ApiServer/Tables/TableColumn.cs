using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Tables;

/// <summary>One column definition of a meta.k8s.io/v1 Table.</summary>
internal sealed record TableColumn(string Name, string Type, string Format, string Description, int Priority = 0)
{
    public const string NameDescription = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    public const string CreationTimestampDescription = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    public static TableColumn NameColumn { get; } = new("Name", "string", "name", NameDescription);

    public static TableColumn AgeColumn { get; } = new("Age", "string", "", CreationTimestampDescription);

    public static TableColumn CreatedAtColumn { get; } = new("Created At", "date", "", CreationTimestampDescription);

    /// <summary>The JSON form; every field is present, as Go serializes TableColumnDefinition.</summary>
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["type"] = Type,
        ["format"] = Format,
        ["description"] = Description,
        ["priority"] = Priority,
    };
}
