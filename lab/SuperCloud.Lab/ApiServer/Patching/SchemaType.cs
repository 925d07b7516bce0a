using System.Text.Json;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>
/// The merge-relevant shape of one node of an object: the list and map types server-side apply needs and the
/// patch strategy and merge key strategic merge patch needs (both come from the same Go struct tags in Kubernetes).
/// </summary>
internal sealed class SchemaType
{
    /// <summary>An unknown node whose object fields are struct fields (the built-in kinds we do not describe fully).</summary>
    public static readonly SchemaType DeducedStruct = new() { Kind = SchemaKind.Deduced, FieldsAreNamed = true };

    /// <summary>An unknown node whose object keys are free-form map keys (structured-merge-diff's deduced type).</summary>
    public static readonly SchemaType DeducedMap = new() { Kind = SchemaKind.Deduced, FieldsAreNamed = false };

    /// <summary>A scalar.</summary>
    public static readonly SchemaType Scalar = new() { Kind = SchemaKind.Scalar };

    /// <summary>The node kind.</summary>
    public SchemaKind Kind { get; init; }

    /// <summary>Named fields of an object.</summary>
    public IReadOnlyDictionary<string, SchemaType> Properties { get; init; } = new Dictionary<string, SchemaType>(StringComparer.Ordinal);

    /// <summary>Type of entries not listed in <see cref="Properties"/>; null means deduced.</summary>
    public SchemaType? AdditionalProperties { get; init; }

    /// <summary>True when keys not in <see cref="Properties"/> still count as struct fields (no <c>.</c> marker in FieldsV1).</summary>
    public bool FieldsAreNamed { get; init; }

    /// <summary><c>x-kubernetes-map-type: atomic</c>.</summary>
    public bool AtomicMap { get; init; }

    /// <summary>List type for server-side apply.</summary>
    public ListKind ListKind { get; init; }

    /// <summary>Key fields of a <see cref="ListKind.Map"/> list.</summary>
    public IReadOnlyList<string> ListMapKeys { get; init; } = [];

    /// <summary>Defaults of key fields used when an item omits them (e.g. protocol TCP of ports).</summary>
    public IReadOnlyDictionary<string, JsonNode> KeyDefaults { get; init; } = new Dictionary<string, JsonNode>(StringComparer.Ordinal);

    /// <summary>Item type of a list; null means deduced.</summary>
    public SchemaType? Items { get; init; }

    /// <summary>Strategic merge patch strategy: null (replace lists, merge maps), "merge", "replace", "retainKeys", "merge,retainKeys".</summary>
    public string? PatchStrategy { get; init; }

    /// <summary>Strategic merge patch merge key of a list of objects.</summary>
    public string? PatchMergeKey { get; init; }

    /// <summary>The type of an object member.</summary>
    public SchemaType Field(string name)
    {
        if (Properties.TryGetValue(name, out var t))
        {
            return t;
        }

        return AdditionalProperties ?? (Kind == SchemaKind.Deduced ? this : FieldsAreNamed ? DeducedStruct : DeducedMap);
    }

    /// <summary>True when <paramref name="name"/> is a struct field rather than a map key.</summary>
    public bool IsNamedField(string name) => Properties.ContainsKey(name) || (FieldsAreNamed && AdditionalProperties is null);

    /// <summary>The item type of a list.</summary>
    public SchemaType Item => Items ?? (Kind == SchemaKind.Deduced ? this : DeducedStruct);

    /// <summary>How a value of this type behaves: deduced types resolve by the value's JSON kind.</summary>
    public SchemaKind Resolve(JsonNode? value)
    {
        if (Kind != SchemaKind.Deduced)
        {
            return Kind;
        }

        return JsonValues.KindOf(value) switch
        {
            JsonValueKind.Object => SchemaKind.Object,
            JsonValueKind.Array => SchemaKind.List,
            _ => SchemaKind.Scalar,
        };
    }

    /// <summary>The effective list type (deduced lists are atomic).</summary>
    public ListKind EffectiveListKind => Kind == SchemaKind.List ? ListKind : ListKind.Atomic;

    /// <summary>True when an object value is replaced whole.</summary>
    public bool IsAtomicMap => Kind == SchemaKind.Object && AtomicMap;
}
