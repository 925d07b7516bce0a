using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>One parsed node of a structural schema: the keywords kube-apiserver validates, defaults and prunes with.</summary>
internal sealed class SchemaNode
{
    public string? Type { get; init; }

    public string? Format { get; init; }

    public string? Description { get; init; }

    public bool Nullable { get; init; }

    public JsonNode? Default { get; init; }

    public bool HasDefault { get; init; }

    public JsonArray? Enum { get; init; }

    public double? Minimum { get; init; }

    public double? Maximum { get; init; }

    public bool ExclusiveMinimum { get; init; }

    public bool ExclusiveMaximum { get; init; }

    public double? MultipleOf { get; init; }

    public long? MinLength { get; init; }

    public long? MaxLength { get; init; }

    public string? Pattern { get; init; }

    public Regex? PatternRegex { get; init; }

    public long? MinItems { get; init; }

    public long? MaxItems { get; init; }

    public long? MinProperties { get; init; }

    public long? MaxProperties { get; init; }

    public IReadOnlyList<string> Required { get; init; } = [];

    public IReadOnlyDictionary<string, SchemaNode> Properties { get; init; } = new Dictionary<string, SchemaNode>();

    public SchemaNode? AdditionalProperties { get; init; }

    public SchemaNode? Items { get; init; }

    public IReadOnlyList<SchemaNode> AllOf { get; init; } = [];

    public IReadOnlyList<SchemaNode> AnyOf { get; init; } = [];

    public IReadOnlyList<SchemaNode> OneOf { get; init; } = [];

    public SchemaNode? Not { get; init; }

    public bool PreserveUnknownFields { get; init; }

    public bool EmbeddedResource { get; init; }

    public bool IntOrString { get; init; }

    public string? ListType { get; init; }

    public IReadOnlyList<string> ListMapKeys { get; init; } = [];

    public IReadOnlyList<CelRule> Rules { get; set; } = [];

    /// <summary>True when this node or any descendant carries CEL rules, so evaluation can skip whole subtrees.</summary>
    public bool HasRulesBelow { get; set; }

    /// <summary>The CEL-facing type name kube reports as the bad value of a failed rule (e.g. <c>object</c>).</summary>
    public string TypeName => Type ?? "";
}
