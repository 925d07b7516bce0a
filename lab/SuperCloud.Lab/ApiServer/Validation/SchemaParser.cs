using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>
/// Parses an <c>openAPIV3Schema</c> into <see cref="SchemaNode"/>s and reports where it is not structural or a CEL
/// rule does not compile, with kube's CRD validation paths (<c>...openAPIV3Schema.properties[spec].type</c>).
/// </summary>
internal static class SchemaParser
{
    private static readonly string[] Types = ["array", "boolean", "integer", "number", "object", "string"];
    private static readonly string[] ListTypes = ["atomic", "map", "set"];
    private static readonly string[] RuleReasons = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"];
    private static readonly HashSet<string> RootMetadataFields = ["name", "generateName"];

    /// <summary>Parses the root schema; structural problems are added to <paramref name="errors"/>.</summary>
    public static SchemaNode ParseRoot(JsonObject schema, string path, List<FieldError> errors)
    {
        var root = Parse(schema, path, errors, Position.Root);
        if (root.Type != "object")
        {
            errors.Add(root.Type is null
                ? FieldError.Required(path + ".type", "must not be empty at the root")
                : FieldError.Invalid(path + ".type", JsonValue.Create(root.Type), "must be object at the root"));
        }

        if (schema["properties"] is JsonObject props && props["metadata"] is JsonObject metadata)
        {
            CheckRootMetadata(metadata, $"{path}.properties[metadata]", errors);
        }

        Mark(root);
        return root;
    }

    /// <summary>Parses a nested schema used only for value validation (allOf, anyOf, oneOf, not) or tests.</summary>
    public static SchemaNode ParseValueValidation(JsonObject schema, string path, List<FieldError> errors) =>
        Parse(schema, path, errors, Position.ValueValidation);

    private enum Position
    {
        Root,
        Property,
        Items,
        AdditionalProperties,
        ValueValidation,
    }

    private static SchemaNode Parse(JsonObject s, string path, List<FieldError> errors, Position position)
    {
        var type = Str(s, "type");
        var intOrString = Bool(s, "x-kubernetes-int-or-string");
        var preserve = Bool(s, "x-kubernetes-preserve-unknown-fields");
        var embedded = Bool(s, "x-kubernetes-embedded-resource");
        var structural = position != Position.ValueValidation;

        if (s.ContainsKey("$ref"))
        {
            errors.Add(FieldError.Forbidden(path + ".$ref", "$ref is not supported"));
        }

        if (type is not null && !Types.Contains(type))
        {
            errors.Add(FieldError.NotSupported(path + ".type", JsonValue.Create(type), Types));
        }

        if (structural)
        {
            if (type is null && !intOrString && !preserve && position is Position.Property or Position.Items or Position.AdditionalProperties)
            {
                errors.Add(FieldError.Required(path + ".type", position == Position.Items
                    ? "must not be empty for specified array items"
                    : "must not be empty for specified object fields"));
            }

            if (intOrString && type is not null)
            {
                errors.Add(FieldError.Invalid(path + ".type", JsonValue.Create(type), "must be empty if x-kubernetes-int-or-string is true"));
            }

            if (embedded && type != "object")
            {
                errors.Add(FieldError.Invalid(path + ".type", JsonValue.Create(type ?? ""), "must be object if x-kubernetes-embedded-resource is true"));
            }

            if (s.ContainsKey("properties") && s.ContainsKey("additionalProperties"))
            {
                errors.Add(FieldError.Forbidden(path + ".additionalProperties", "additionalProperties and properties are mutual exclusive"));
            }

            if (s["additionalProperties"] is JsonValue ap && ap.TryGetValue<bool>(out var apBool) && !apBool)
            {
                errors.Add(FieldError.Forbidden(path + ".additionalProperties", "must not be false"));
            }

            if (type == "array" && s["items"] is not JsonObject)
            {
                errors.Add(FieldError.Required(path + ".items", "must be specified"));
            }
        }

        if (Bool(s, "uniqueItems"))
        {
            errors.Add(FieldError.Forbidden(path + ".uniqueItems", "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
        }

        Regex? regex = null;
        var pattern = Str(s, "pattern");
        if (pattern is not null)
        {
            try
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                errors.Add(FieldError.Invalid(path + ".pattern", JsonValue.Create(pattern), "must be a valid regular expression, but isn't: " + e.Message));
            }
        }

        var properties = new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
        if (s["properties"] is JsonObject props)
        {
            foreach (var (name, child) in props)
            {
                if (child is JsonObject childSchema)
                {
                    properties[name] = Parse(childSchema, $"{path}.properties[{name}]", errors, structural ? Position.Property : Position.ValueValidation);
                }
            }
        }

        var items = s["items"] is JsonObject itemsSchema
            ? Parse(itemsSchema, path + ".items", errors, structural ? Position.Items : Position.ValueValidation)
            : null;
        var additional = s["additionalProperties"] is JsonObject apSchema
            ? Parse(apSchema, path + ".additionalProperties", errors, structural ? Position.AdditionalProperties : Position.ValueValidation)
            : null;

        var listType = Str(s, "x-kubernetes-list-type");
        var listMapKeys = s["x-kubernetes-list-map-keys"] is JsonArray keys
            ? keys.Select(k => k?.GetValue<string>() ?? "").ToList()
            : [];
        if (listType is not null)
        {
            CheckListType(path, errors, type, listType, listMapKeys, s, items);
        }
        else if (listMapKeys.Count > 0)
        {
            errors.Add(FieldError.Forbidden(path + ".x-kubernetes-list-map-keys", "can only be set if x-kubernetes-list-type is map"));
        }

        var node = new SchemaNode
        {
            Type = type,
            Format = Str(s, "format"),
            Description = Str(s, "description"),
            Nullable = Bool(s, "nullable"),
            Default = s["default"]?.DeepClone(),
            HasDefault = s.ContainsKey("default"),
            Enum = s["enum"] as JsonArray,
            Minimum = Num(s, "minimum"),
            Maximum = Num(s, "maximum"),
            ExclusiveMinimum = Bool(s, "exclusiveMinimum"),
            ExclusiveMaximum = Bool(s, "exclusiveMaximum"),
            MultipleOf = Num(s, "multipleOf"),
            MinLength = Int(s, "minLength"),
            MaxLength = Int(s, "maxLength"),
            Pattern = pattern,
            PatternRegex = regex,
            MinItems = Int(s, "minItems"),
            MaxItems = Int(s, "maxItems"),
            MinProperties = Int(s, "minProperties"),
            MaxProperties = Int(s, "maxProperties"),
            Required = s["required"] is JsonArray req ? req.Select(r => r?.GetValue<string>() ?? "").ToList() : [],
            Properties = properties,
            AdditionalProperties = additional,
            Items = items,
            AllOf = ParseList(s, "allOf", path, errors),
            AnyOf = ParseList(s, "anyOf", path, errors),
            OneOf = ParseList(s, "oneOf", path, errors),
            Not = s["not"] is JsonObject not ? Parse(not, path + ".not", errors, Position.ValueValidation) : null,
            PreserveUnknownFields = preserve,
            EmbeddedResource = embedded,
            IntOrString = intOrString,
            ListType = listType,
            ListMapKeys = listMapKeys,
        };
        node.Rules = ParseRules(s, path, errors, node);

        if (node.HasDefault && structural)
        {
            CheckDefault(node, path, errors);
        }

        return node;
    }

    private static void CheckListType(string path, List<FieldError> errors, string? type, string listType, List<string> keys, JsonObject s, SchemaNode? items)
    {
        if (!ListTypes.Contains(listType))
        {
            errors.Add(FieldError.NotSupported(path + ".x-kubernetes-list-type", JsonValue.Create(listType), ListTypes));
            return;
        }

        if (type != "array")
        {
            errors.Add(FieldError.Invalid(path + ".type", JsonValue.Create(type ?? ""), "must be array if x-kubernetes-list-type is specified"));
        }

        if (listType == "map")
        {
            if (keys.Count == 0)
            {
                errors.Add(FieldError.Required(path + ".x-kubernetes-list-map-keys", "must not be empty if x-kubernetes-list-type is map"));
            }

            if (items is not null && items.Type != "object")
            {
                errors.Add(FieldError.Invalid(path + ".items.type", JsonValue.Create(items.Type ?? ""), "must be object if parent array's x-kubernetes-list-type is map"));
            }
            else if (items is not null && keys.Any(k => !items.Properties.ContainsKey(k)))
            {
                errors.Add(FieldError.Invalid(path + ".x-kubernetes-list-map-keys", s["x-kubernetes-list-map-keys"]?.DeepClone(), "entries must all be names of item properties"));
            }
        }
        else if (keys.Count > 0)
        {
            errors.Add(FieldError.Forbidden(path + ".x-kubernetes-list-map-keys", "can only be set if x-kubernetes-list-type is map"));
        }
    }

    private static void CheckRootMetadata(JsonObject metadata, string path, List<FieldError> errors)
    {
        var props = metadata["properties"] as JsonObject;
        var onlyNameFields = props is null || props.All(p => RootMetadataFields.Contains(p.Key));
        var onlyKnownKeys = metadata.All(p => p.Key is "type" or "properties" or "description");
        if (!onlyNameFields || !onlyKnownKeys)
        {
            errors.Add(FieldError.Forbidden(path, "must not specify anything other than name and generateName, but metadata is implicitly specified"));
        }
    }

    private static void CheckDefault(SchemaNode node, string path, List<FieldError> errors)
    {
        if (node.Default is null)
        {
            if (!node.Nullable)
            {
                errors.Add(FieldError.Invalid(path + ".default", null, "must not be null for non-nullable field"));
            }

            return;
        }

        var defaultErrors = new List<FieldError>();
        SchemaValidator.ValidateValue(node.Default, node, "", defaultErrors);
        if (defaultErrors.Count == 0 && Mark(node))
        {
            // kube also evaluates the CEL rules on default values when the CRD is written.
            CustomResourceSchema.EvaluateRules(node.Default, null, false, node, "", defaultErrors);
        }

        foreach (var e in defaultErrors)
        {
            var field = e.Field.Length == 0 || e.Field == "<nil>" ? path + ".default" : $"{path}.default.{e.Field}";
            errors.Add(e with { Field = field });
        }
    }

    private static List<SchemaNode> ParseList(JsonObject s, string key, string path, List<FieldError> errors) =>
        s[key] is JsonArray list
            ? list.OfType<JsonObject>().Select((o, i) => Parse(o, $"{path}.{key}[{i}]", errors, Position.ValueValidation)).ToList()
            : [];

    private static List<CelRule> ParseRules(JsonObject s, string path, List<FieldError> errors, SchemaNode self)
    {
        var rules = new List<CelRule>();
        if (s["x-kubernetes-validations"] is not JsonArray list)
        {
            return rules;
        }

        for (var i = 0; i < list.Count; i++)
        {
            var rulePath = $"{path}.x-kubernetes-validations[{i}]";
            if (list[i] is not JsonObject r)
            {
                errors.Add(FieldError.Invalid(rulePath, list[i]?.DeepClone(), "must be an object"));
                continue;
            }

            var rule = Str(r, "rule") ?? "";
            var reason = Str(r, "reason");
            if (rule.Trim().Length == 0)
            {
                errors.Add(FieldError.Required(rulePath + ".rule", ""));
                continue;
            }

            if (reason is not null && !RuleReasons.Contains(reason))
            {
                errors.Add(FieldError.NotSupported(rulePath + ".reason", JsonValue.Create(reason), RuleReasons));
            }

            var message = Str(r, "message");
            if (message is not null && message.Trim().Length == 0)
            {
                errors.Add(FieldError.Invalid(rulePath + ".message", JsonValue.Create(message), "message must be non-empty if specified"));
            }

            var messageExpression = Str(r, "messageExpression");
            var fieldPath = Str(r, "fieldPath");
            var compiled = CelRule.TryCompile(rule, message, messageExpression, reason, fieldPath, Bool(r, "optionalOldSelf"), self, out var error, out var errorField);
            if (compiled is null)
            {
                errors.Add(FieldError.Invalid(rulePath + "." + errorField, JsonValue.Create(GoRuleStruct(rule, message, messageExpression, reason, fieldPath)), error!));
                continue;
            }

            rules.Add(compiled);
        }

        return rules;
    }

    /// <summary>Kube prints the whole rule with Go's <c>%#v</c> in CRD errors; this reproduces that shape.</summary>
    private static string GoRuleStruct(string rule, string? message, string? messageExpression, string? reason, string? fieldPath) =>
        $"apiextensions.ValidationRule{{Rule:{GoText.Quote(rule)}, Message:{GoText.Quote(message ?? "")}, MessageExpression:{GoText.Quote(messageExpression ?? "")}, " +
        $"Reason:{(reason is null ? "(*apiextensions.FieldValueErrorReason)(nil)" : GoText.Quote(reason))}, FieldPath:{GoText.Quote(fieldPath ?? "")}, OptionalOldSelf:(*bool)(nil)}}";

    private static bool Mark(SchemaNode node)
    {
        var below = node.Rules.Count > 0;
        foreach (var p in node.Properties.Values)
        {
            below |= Mark(p);
        }

        if (node.Items is not null)
        {
            below |= Mark(node.Items);
        }

        if (node.AdditionalProperties is not null)
        {
            below |= Mark(node.AdditionalProperties);
        }

        node.HasRulesBelow = below;
        return below;
    }

    private static string? Str(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static bool Bool(JsonObject o, string key) => o[key] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static double? Num(JsonObject o, string key) => o[key] is JsonValue v && JsonNumbers.TryGetDouble(v, out var d) ? d : null;

    private static long? Int(JsonObject o, string key) => o[key] is JsonValue v && JsonNumbers.TryGetLong(v, out var l) ? l : null;
}
