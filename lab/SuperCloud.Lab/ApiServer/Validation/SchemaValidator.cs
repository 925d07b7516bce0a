using System.Globalization;
using System.Net;
using System.Net.Mail;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>
/// OpenAPI value validation with kube-openapi's messages (<c>spec.x in body should match '...'</c>) mapped to field
/// errors the way apiextensions-apiserver maps them, plus the list-type set/map uniqueness checks.
/// </summary>
internal static class SchemaValidator
{
    /// <summary>Validates one value against its schema node, recursing into properties and items.</summary>
    public static void ValidateValue(JsonNode? value, SchemaNode s, string path, List<FieldError> errors)
    {
        var name = path.Length == 0 ? "." : path;
        if (value is null)
        {
            var expected = s.IntOrString ? "integer,string" : s.Type;
            if (!s.Nullable && expected is not null)
            {
                errors.Add(FieldError.TypeInvalid(path, JsonValue.Create("null"), $"{name} in body must be of type {expected}: \"null\""));
            }

            return;
        }

        // kube-openapi runs the composition validators (allOf, anyOf, oneOf, not) whatever the type check says.
        ValidateComposition(value, s, path, name, errors);
        var kind = JsonNumbers.KindName(value);
        if (!CheckType(value, kind, s, path, name, errors))
        {
            // The enum check still runs on a value of the wrong type, as in kube.
            CheckEnum(value, s, path, errors);
            return;
        }

        if (kind == "string" && JsonNumbers.IsString(value, out var str))
        {
            ValidateString(str, s, path, name, errors);
        }

        if (JsonNumbers.IsNumber(value))
        {
            ValidateNumber((JsonValue)value, s, path, name, errors);
        }

        if (value is JsonArray array)
        {
            ValidateArray(array, s, path, name, errors);
        }

        CheckEnum(value, s, path, errors);
        if (value is JsonObject obj)
        {
            ValidateObject(obj, s, path, name, errors);
        }
    }

    private static void CheckEnum(JsonNode value, SchemaNode s, string path, List<FieldError> errors)
    {
        if (s.Enum is { } allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            var values = allowed.Select(a => JsonNumbers.IsString(a, out var text) ? text : a?.ToJsonString() ?? "null");
            errors.Add(FieldError.NotSupported(path, value.DeepClone(), values));
        }
    }

    private static bool CheckType(JsonNode value, string kind, SchemaNode s, string path, string name, List<FieldError> errors)
    {
        if (s.IntOrString)
        {
            if (kind is "integer" or "string")
            {
                return true;
            }

            errors.Add(FieldError.TypeInvalid(path, JsonValue.Create(kind), $"{name} in body must be of type integer,string: {GoText.Quote(kind)}"));
            return false;
        }

        var ok = s.Type switch
        {
            null => true,
            "integer" => kind == "integer" || (kind == "number" && IsIntegral((JsonValue)value)),
            "number" => kind is "integer" or "number",
            _ => s.Type == kind,
        };
        if (!ok)
        {
            errors.Add(FieldError.TypeInvalid(path, JsonValue.Create(kind), $"{name} in body must be of type {s.Type}: {GoText.Quote(kind)}"));
        }

        return ok;
    }

    private static bool IsIntegral(JsonValue v) => JsonNumbers.TryGetDouble(v, out var d) && Math.Abs(d) < 9.2e18 && Math.Truncate(d) == d;

    private static void ValidateString(string str, SchemaNode s, string path, string name, List<FieldError> errors)
    {
        // kube-openapi counts characters (runes), not bytes, for min/maxLength.
        var length = CountRunes(str);
        if (s.MaxLength is { } max && length > max)
        {
            errors.Add(FieldError.TooLong(path, JsonValue.Create(str), max));
        }

        if (s.MinLength is { } min && length < min)
        {
            errors.Add(FieldError.Invalid(path, JsonValue.Create(str), $"{name} in body should be at least {min} chars long"));
        }

        if (s.PatternRegex is { } regex && !regex.IsMatch(str))
        {
            errors.Add(FieldError.Invalid(path, JsonValue.Create(str), $"{name} in body should match '{s.Pattern}'"));
        }

        if (s.Format is { } format && !FormatMatches(format, str))
        {
            errors.Add(FieldError.TypeInvalid(path, JsonValue.Create(str), $"{name} in body must be of type {format}: {GoText.Quote(str)}"));
        }
    }

    private static int CountRunes(string s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes())
        {
            n++;
        }

        return n;
    }

    private static void ValidateNumber(JsonValue v, SchemaNode s, string path, string name, List<FieldError> errors)
    {
        JsonNumbers.TryGetDouble(v, out var d);
        var shown = v.DeepClone();
        if (s.Format == "int32" && JsonNumbers.TryGetLong(v, out var l) && (l < int.MinValue || l > int.MaxValue))
        {
            errors.Add(FieldError.TypeInvalid(path, shown, $"{name} in body must be of type int32: {GoText.Quote(v.ToJsonString())}"));
        }

        if (s.Maximum is { } max && (s.ExclusiveMaximum ? d >= max : d > max))
        {
            errors.Add(FieldError.Invalid(path, shown, $"{name} in body should be less than {(s.ExclusiveMaximum ? "" : "or equal to ")}{GoText.Number(max)}"));
        }

        if (s.Minimum is { } min && (s.ExclusiveMinimum ? d <= min : d < min))
        {
            errors.Add(FieldError.Invalid(path, shown, $"{name} in body should be greater than {(s.ExclusiveMinimum ? "" : "or equal to ")}{GoText.Number(min)}"));
        }

        if (s.MultipleOf is { } m && m > 0 && Math.Abs(Math.IEEERemainder(d, m)) > 1e-9)
        {
            errors.Add(FieldError.Invalid(path, shown, $"{name} in body should be a multiple of {GoText.Number(m)}"));
        }
    }

    private static void ValidateArray(JsonArray array, SchemaNode s, string path, string name, List<FieldError> errors)
    {
        if (s.MaxItems is { } max && array.Count > max)
        {
            errors.Add(FieldError.TooMany(path, array.Count, max));
        }

        if (s.MinItems is { } min && array.Count < min)
        {
            errors.Add(FieldError.Invalid(path, array.DeepClone(), $"{name} in body should have at least {min} items"));
        }

        if (s.Items is { } items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                ValidateValue(array[i], items, $"{path}[{i}]", errors);
            }
        }

        ValidateListType(array, s, path, errors);
    }

    /// <summary>x-kubernetes-list-type set and map invariants (kube's structurallisttype.ValidateListSetsAndMaps).</summary>
    private static void ValidateListType(JsonArray array, SchemaNode s, string path, List<FieldError> errors)
    {
        if (s.ListType == "set")
        {
            for (var i = 1; i < array.Count; i++)
            {
                for (var j = 0; j < i; j++)
                {
                    if (JsonNode.DeepEquals(array[i], array[j]))
                    {
                        errors.Add(FieldError.Duplicate($"{path}[{i}]", array[i]?.DeepClone()));
                        break;
                    }
                }
            }
        }
        else if (s.ListType == "map" && s.ListMapKeys.Count > 0)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is not JsonObject item)
                {
                    continue;
                }

                var key = new JsonObject();
                foreach (var k in s.ListMapKeys)
                {
                    key[k] = item[k]?.DeepClone() ?? s.Items?.Properties.GetValueOrDefault(k)?.Default?.DeepClone();
                }

                if (!seen.Add(key.ToJsonString()))
                {
                    errors.Add(FieldError.Duplicate($"{path}[{i}]", key));
                }
            }
        }
    }

    private static void ValidateObject(JsonObject obj, SchemaNode s, string path, string name, List<FieldError> errors)
    {
        if (s.MaxProperties is { } max && obj.Count > max)
        {
            errors.Add(FieldError.TooMany(path, obj.Count, max));
        }

        if (s.MinProperties is { } min && obj.Count < min)
        {
            errors.Add(FieldError.Invalid(path, obj.DeepClone(), $"{name} in body should have at least {min} properties"));
        }

        foreach (var required in s.Required)
        {
            if (!obj.ContainsKey(required))
            {
                errors.Add(FieldError.Required(Child(path, required)));
            }
        }

        if (s.EmbeddedResource)
        {
            foreach (var key in new[] { "apiVersion", "kind" })
            {
                if (!JsonNumbers.IsString(obj[key], out var text) || text.Length == 0)
                {
                    errors.Add(FieldError.Required(Child(path, key), "must not be empty"));
                }
            }
        }

        foreach (var (key, child) in obj)
        {
            if (s.Properties.TryGetValue(key, out var prop))
            {
                ValidateValue(child, prop, Child(path, key), errors);
            }
            else if (s.AdditionalProperties is { } additional)
            {
                ValidateValue(child, additional, Child(path, key), errors);
            }
        }
    }

    /// <summary>
    /// allOf, anyOf, oneOf and not, reported like kube-openapi: a field-less error
    /// (<c>&lt;nil&gt;: Invalid value: "": "spec.x" must validate at least one schema (anyOf)</c>) plus the errors of
    /// the failing branch that came closest.
    /// </summary>
    private static void ValidateComposition(JsonNode value, SchemaNode s, string path, string name, List<FieldError> errors)
    {
        var quoted = GoText.Quote(name);
        if (s.AllOf.Count > 0)
        {
            var results = s.AllOf.Select(sub => Errors(value, sub, path)).ToList();
            var passed = results.Count(r => r.Count == 0);
            if (passed < results.Count)
            {
                errors.Add(Composite($"{quoted} must validate all the schemas (allOf){(passed == 0 ? ". None validated" : "")}"));
                errors.AddRange(results.SelectMany(r => r));
            }
        }

        if (s.AnyOf.Count > 0)
        {
            var results = s.AnyOf.Select(sub => Errors(value, sub, path)).ToList();
            if (results.All(r => r.Count > 0))
            {
                errors.Add(Composite($"{quoted} must validate at least one schema (anyOf)"));
                errors.AddRange(results.MinBy(r => r.Count)!);
            }
        }

        if (s.OneOf.Count > 0)
        {
            var results = s.OneOf.Select(sub => Errors(value, sub, path)).ToList();
            var passed = results.Count(r => r.Count == 0);
            if (passed == 0)
            {
                errors.Add(Composite($"{quoted} must validate one and only one schema (oneOf). Found none valid"));
                errors.AddRange(results.MinBy(r => r.Count)!);
            }
            else if (passed > 1)
            {
                errors.Add(Composite($"{quoted} must validate one and only one schema (oneOf). Found {passed} valid alternatives"));
            }
        }

        if (s.Not is { } not && Errors(value, not, path).Count == 0)
        {
            errors.Add(Composite($"{quoted} must not validate the schema (not)"));
        }
    }

    private static FieldError Composite(string detail) => FieldError.Invalid("<nil>", JsonValue.Create(""), detail);

    private static List<FieldError> Errors(JsonNode value, SchemaNode s, string path)
    {
        var errors = new List<FieldError>();
        ValidateValue(value, s, path, errors);
        return errors;
    }

    /// <summary>Appends a field to a path the way field.Path.Child does.</summary>
    public static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>The string formats kube-openapi's default registry knows; unknown formats pass, as in kube.</summary>
    // RFC 3339 as kube-openapi's strfmt accepts it: any number of fractional-second digits (Go writes up to 9,
    // .NET up to 7), "Z" or a numeric offset.
    private static bool IsRfc3339DateTime(string value)
    {
        var match = System.Text.RegularExpressions.Regex.Match(value,
            @"^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$");
        if (!match.Success)
        {
            return false;
        }

        var fraction = match.Groups[2].Value;
        var normalized = match.Groups[1].Value.Replace(' ', 'T').Replace('t', 'T')
            + (fraction.Length > 8 ? fraction[..8] : fraction)
            + (match.Groups[3].Value is "z" ? "Z" : match.Groups[3].Value);
        return DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);
    }

    private static bool FormatMatches(string format, string value)
    {
        switch (format)
        {
            case "date-time":
            case "datetime":
                return IsRfc3339DateTime(value);
            case "date":
                return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
            case "byte":
                try
                {
                    _ = Convert.FromBase64String(value);
                    return true;
                }
                catch (FormatException)
                {
                    return false;
                }

            case "ipv4":
                return IPAddress.TryParse(value, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && value.Count(c => c == '.') == 3;
            case "ipv6":
                return IPAddress.TryParse(value, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
            case "cidr":
                return IPNetwork.TryParse(value, out _) || IsCidrWithHostBits(value);
            case "mac":
                return System.Text.RegularExpressions.Regex.IsMatch(value, "^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$");
            case "uuid":
                return System.Text.RegularExpressions.Regex.IsMatch(value, "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$");
            case "hostname":
                return value.Length <= 255 && System.Text.RegularExpressions.Regex.IsMatch(value, @"^([a-zA-Z0-9]([a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?)*\.?$");
            case "email":
                return MailAddress.TryCreate(value, out _);
            case "uri":
                return Uri.TryCreate(value, UriKind.Absolute, out _);
            case "duration":
                return IsGoDuration(value);
            default:
                return true;
        }
    }

    private static bool IsCidrWithHostBits(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && IPAddress.TryParse(value[..slash], out var ip)
            && int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var bits)
            && bits <= (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
    }

    /// <summary>Go's time.ParseDuration syntax: a sequence of decimal numbers with units ns, us, µs, ms, s, m, h.</summary>
    internal static bool IsGoDuration(string value) =>
        value == "0" || System.Text.RegularExpressions.Regex.IsMatch(value, @"^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+$");
}
