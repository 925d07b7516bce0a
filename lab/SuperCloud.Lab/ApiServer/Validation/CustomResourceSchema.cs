using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>
/// A compiled structural <c>openAPIV3Schema</c> of one CRD version: prunes unknown fields, applies defaults and
/// validates objects (OpenAPI keywords, list types, then CEL <c>x-kubernetes-validations</c>) with kube-apiserver's
/// semantics and messages. Call order per request, as kube does: <see cref="Prune"/>, <see cref="ApplyDefaults"/>,
/// <see cref="Validate"/>.
/// </summary>
public sealed class CustomResourceSchema
{
    /// <summary>The path kube reports schema errors under for the first version of a v1 CRD.</summary>
    public const string DefaultSchemaPath = "spec.versions[0].schema.openAPIV3Schema";

    private const string NotCheckedDetail = "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

    private static readonly HashSet<string> ObjectMetaFields = new(StringComparer.Ordinal)
    {
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    };

    private readonly SchemaNode root;

    private CustomResourceSchema(SchemaNode root) => this.root = root;

    /// <summary>
    /// Compiles a schema, throwing 422 Invalid naming the bad part when it is not structural or a CEL rule does not
    /// compile: <c>CustomResourceDefinition.apiextensions.k8s.io "name" is invalid: spec.versions[0]...</c>.
    /// </summary>
    public static CustomResourceSchema Compile(JsonObject openApiV3Schema) => Compile(openApiV3Schema, "", DefaultSchemaPath);

    /// <summary>Compiles a schema of the CRD <paramref name="crdName"/>, reporting errors under <paramref name="schemaPath"/>.</summary>
    public static CustomResourceSchema Compile(JsonObject openApiV3Schema, string crdName, string schemaPath)
    {
        ArgumentNullException.ThrowIfNull(openApiV3Schema);
        var errors = new List<FieldError>();
        var node = SchemaParser.ParseRoot(openApiV3Schema, schemaPath, errors);
        if (errors.Count > 0)
        {
            throw ValidationErrors.ToStatusException("CustomResourceDefinition", "apiextensions.k8s.io", crdName, errors);
        }

        return new CustomResourceSchema(node);
    }

    /// <summary>Returns the schema problems (non-structural parts, bad CEL) without throwing; empty when it compiles.</summary>
    public static IReadOnlyList<FieldError> Check(JsonObject openApiV3Schema, string schemaPath = DefaultSchemaPath)
    {
        ArgumentNullException.ThrowIfNull(openApiV3Schema);
        var errors = new List<FieldError>();
        SchemaParser.ParseRoot(openApiV3Schema, schemaPath, errors);
        return errors;
    }

    /// <summary>
    /// Applies <c>default:</c> values as kube's structural defaulting does: a missing (or null, non-nullable) property
    /// under a present object gets its default, and defaults are applied inside defaulted values too; absent parents
    /// are not created. Null values of non-nullable fields without a default are dropped first, as kube does.
    /// </summary>
    public void ApplyDefaults(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        PruneNonNullableNulls(obj, root);
        Default(obj, root);
    }

    /// <summary>
    /// Removes fields the schema does not declare (honouring x-kubernetes-preserve-unknown-fields and
    /// x-kubernetes-embedded-resource; apiVersion, kind and metadata at the root are kept and metadata is reduced to
    /// ObjectMeta's fields) and returns their paths, like <c>.spec.foo</c> or <c>.spec.list[0].bar</c>.
    /// </summary>
    public IReadOnlyList<string> Prune(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var pruned = new List<string>();
        PruneObject(obj, root, "", pruned, isResourceRoot: true);
        return pruned;
    }

    /// <summary>
    /// Validates an object (and, on update, its old version for transition rules and ratcheting). Schema errors come
    /// first; CEL rules run only when there is no Required, NotSupported, TooLong, TooMany or TypeInvalid error, else a
    /// <c>&lt;nil&gt;</c> error says some rules were not checked, exactly as kube-apiserver reports it.
    /// </summary>
    public IReadOnlyList<FieldError> Validate(JsonObject obj, JsonObject? oldObj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var errors = new List<FieldError>();
        SchemaValidator.ValidateValue(obj, root, "", errors);

        // kube checks list-type set/map uniqueness in a pass after OpenAPI validation, so those errors come last.
        var duplicates = errors.Where(e => e.Type == FieldErrorType.Duplicate).ToList();
        errors.RemoveAll(e => e.Type == FieldErrorType.Duplicate);
        errors.AddRange(duplicates);
        if (oldObj is not null)
        {
            // CRD validation ratcheting (on by default since 1.30): errors on values unchanged by an update are ignored.
            errors.RemoveAll(e => IsUnchanged(obj, oldObj, RatchetPath(e)));
        }

        if (!root.HasRulesBelow)
        {
            // kube builds a CEL validator only for schemas with rules; without one there is nothing to skip or report.
            return errors;
        }

        if (errors.Any(e => e.Type is FieldErrorType.NotSupported or FieldErrorType.Required or FieldErrorType.TooLong
                or FieldErrorType.TooMany or FieldErrorType.TypeInvalid))
        {
            errors.Add(FieldError.Invalid("<nil>", null, NotCheckedDetail));
            return errors;
        }

        EvaluateRules(obj, oldObj, oldObj is not null, root, "", errors);
        return errors;
    }

    /// <summary>Runs the CEL rules of <paramref name="s"/> and below on a value (and its correlated old value).</summary>
    internal static void EvaluateRules(JsonNode? value, JsonNode? old, bool hasOld, SchemaNode s, string path, List<FieldError> errors)
    {
        if (value is null || !s.HasRulesBelow)
        {
            return;
        }

        if (hasOld && JsonNode.DeepEquals(value, old))
        {
            // Ratcheting: an unchanged value is not re-validated.
            return;
        }

        if (s.Rules.Count > 0)
        {
            var self = CelValues.From(value, s);
            var oldSelf = hasOld ? CelValues.From(old, s) : null;
            foreach (var rule in s.Rules)
            {
                var oldPresent = hasOld && old is not null;
                if (rule.IsTransition && !oldPresent && !rule.OptionalOldSelf)
                {
                    continue;
                }

                var ruleOldSelf = rule.OptionalOldSelf ? (oldPresent ? CelOptional.Of(oldSelf) : CelOptional.None) : oldSelf;
                var outcome = rule.Evaluate(self, ruleOldSelf);
                if (!outcome.Passed)
                {
                    errors.Add(RuleError(rule, outcome, s, path));
                }
            }
        }

        switch (value)
        {
            case JsonObject obj:
                var oldObj = hasOld ? old as JsonObject : null;
                foreach (var (key, child) in obj)
                {
                    var childSchema = s.Properties.GetValueOrDefault(key) ?? s.AdditionalProperties;
                    if (childSchema is null)
                    {
                        continue;
                    }

                    var childHasOld = oldObj is not null && oldObj.TryGetPropertyValue(key, out _);
                    EvaluateRules(child, childHasOld ? oldObj![key] : null, childHasOld, childSchema, SchemaValidator.Child(path, key), errors);
                }

                break;
            case JsonArray array when s.Items is { } items:
                var oldArray = hasOld ? old as JsonArray : null;
                for (var i = 0; i < array.Count; i++)
                {
                    var oldItem = CorrelateListItem(array[i], oldArray, s);
                    EvaluateRules(array[i], oldItem, oldItem is not null, items, $"{path}[{i}]", errors);
                }

                break;
        }
    }

    /// <summary>Old items are correlated only for map lists (by their keys) and sets (by value), as in kube.</summary>
    private static JsonNode? CorrelateListItem(JsonNode? item, JsonArray? oldArray, SchemaNode s)
    {
        if (oldArray is null || item is null)
        {
            return null;
        }

        if (s.ListType == "set")
        {
            return oldArray.FirstOrDefault(o => JsonNode.DeepEquals(o, item));
        }

        if (s.ListType == "map" && item is JsonObject obj)
        {
            return oldArray.OfType<JsonObject>().FirstOrDefault(o => s.ListMapKeys.All(k => JsonNode.DeepEquals(o[k], obj[k])));
        }

        return null;
    }

    private static FieldError RuleError(CelRule rule, RuleOutcome outcome, SchemaNode s, string path)
    {
        var field = path;
        if (rule.FieldPath is not null && CelRule.TryParseFieldPath(rule.FieldPath, out var segments))
        {
            foreach (var segment in segments)
            {
                field = segment.StartsWith('[') ? field + segment : SchemaValidator.Child(field, segment);
            }
        }

        var detail = outcome.Detail ?? "";
        var typeName = JsonValue.Create(s.TypeName);
        if (outcome.IsEvaluationError)
        {
            return FieldError.Invalid(field, typeName, detail);
        }

        return rule.Reason switch
        {
            "FieldValueForbidden" => FieldError.Forbidden(field, detail),
            "FieldValueRequired" => FieldError.Required(field, detail),
            "FieldValueDuplicate" => FieldError.Duplicate(field, typeName),
            _ => FieldError.Invalid(field, typeName, detail),
        };
    }

    /// <summary>The path whose value decides ratcheting: the parent for Required, the list for Duplicate.</summary>
    private static string RatchetPath(FieldError e)
    {
        if (e.Type == FieldErrorType.Required)
        {
            var dot = e.Field.LastIndexOf('.');
            return dot < 0 ? "" : e.Field[..dot];
        }

        if (e.Type == FieldErrorType.Duplicate && e.Field.EndsWith(']'))
        {
            return e.Field[..e.Field.LastIndexOf('[')];
        }

        return e.Field;
    }

    private static bool IsUnchanged(JsonNode obj, JsonNode old, string path) =>
        TryResolve(obj, path, out var a) && TryResolve(old, path, out var b) && JsonNode.DeepEquals(a, b);

    private static bool TryResolve(JsonNode? node, string path, out JsonNode? result)
    {
        result = node;
        if (path.Length == 0)
        {
            return true;
        }

        foreach (var part in path.Split('.'))
        {
            var name = part;
            var bracket = name.IndexOf('[', StringComparison.Ordinal);
            var indexes = new List<int>();
            if (bracket >= 0)
            {
                foreach (var idx in name[bracket..].Split('[', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!int.TryParse(idx.TrimEnd(']'), System.Globalization.CultureInfo.InvariantCulture, out var i))
                    {
                        return false;
                    }

                    indexes.Add(i);
                }

                name = name[..bracket];
            }

            if (result is not JsonObject o || !o.TryGetPropertyValue(name, out result))
            {
                return false;
            }

            foreach (var i in indexes)
            {
                if (result is not JsonArray a || i >= a.Count)
                {
                    return false;
                }

                result = a[i];
            }
        }

        return true;
    }

    private static void Default(JsonNode? node, SchemaNode s)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, prop) in s.Properties)
                {
                    if (!prop.HasDefault || prop.Default is null)
                    {
                        continue;
                    }

                    if (!obj.TryGetPropertyValue(key, out var current) || (current is null && !prop.Nullable))
                    {
                        obj[key] = prop.Default.DeepClone();
                    }
                }

                foreach (var (key, child) in obj.ToList())
                {
                    if (s.Properties.TryGetValue(key, out var prop))
                    {
                        Default(child, prop);
                    }
                    else if (s.AdditionalProperties is { } additional)
                    {
                        if (child is null && !additional.Nullable && additional.Default is not null)
                        {
                            obj[key] = additional.Default.DeepClone();
                        }

                        Default(obj[key], additional);
                    }
                }

                break;
            case JsonArray array when s.Items is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is null && !items.Nullable && items.Default is not null)
                    {
                        array[i] = items.Default.DeepClone();
                    }

                    Default(array[i], items);
                }

                break;
        }
    }

    private static void PruneNonNullableNulls(JsonNode? node, SchemaNode s)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    var prop = s.Properties.GetValueOrDefault(key) ?? s.AdditionalProperties;
                    if (prop is null)
                    {
                        continue;
                    }

                    if (child is null && !prop.Nullable && prop.Default is null)
                    {
                        obj.Remove(key);
                    }
                    else
                    {
                        PruneNonNullableNulls(child, prop);
                    }
                }

                break;
            case JsonArray array when s.Items is { } items:
                foreach (var item in array)
                {
                    PruneNonNullableNulls(item, items);
                }

                break;
        }
    }

    private static void PruneObject(JsonObject obj, SchemaNode s, string path, List<string> pruned, bool isResourceRoot)
    {
        foreach (var (key, child) in obj.ToList())
        {
            var childPath = $"{path}.{key}";
            if (isResourceRoot && key is "apiVersion" or "kind")
            {
                continue;
            }

            if (isResourceRoot && key == "metadata")
            {
                if (child is JsonObject metadata)
                {
                    foreach (var metaKey in metadata.Select(p => p.Key).ToList())
                    {
                        if (!ObjectMetaFields.Contains(metaKey))
                        {
                            metadata.Remove(metaKey);
                            pruned.Add($"{childPath}.{metaKey}");
                        }
                    }
                }

                continue;
            }

            var prop = s.Properties.GetValueOrDefault(key) ?? s.AdditionalProperties;
            if (prop is null)
            {
                if (!s.PreserveUnknownFields)
                {
                    obj.Remove(key);
                    pruned.Add(childPath);
                }

                continue;
            }

            PruneValue(child, prop, childPath, pruned);
        }
    }

    private static void PruneValue(JsonNode? node, SchemaNode s, string path, List<string> pruned)
    {
        switch (node)
        {
            case JsonObject obj:
                PruneObject(obj, s, path, pruned, isResourceRoot: s.EmbeddedResource);
                break;
            case JsonArray array when s.Items is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    PruneValue(array[i], items, $"{path}[{i}]", pruned);
                }

                break;
        }
    }
}
