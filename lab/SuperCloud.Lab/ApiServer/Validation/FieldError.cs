using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>One field validation error, printed exactly like kube's <c>field.Error</c>.</summary>
/// <param name="Type">What kind of error it is.</param>
/// <param name="Field">The field path without a leading dot, e.g. <c>spec.networks[0].ip</c>; <c>&lt;nil&gt;</c> for none.</param>
/// <param name="BadValue">The offending value, when the message shows one.</param>
/// <param name="Detail">The human-readable detail after the value.</param>
public sealed record FieldError(FieldErrorType Type, string Field, JsonNode? BadValue, string Detail)
{
    /// <summary>The Status cause type, e.g. <c>FieldValueInvalid</c>.</summary>
    public string Reason => Type switch
    {
        FieldErrorType.NotFound => "FieldValueNotFound",
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.Internal => "InternalError",
        FieldErrorType.TypeInvalid => "FieldValueTypeInvalid",
        _ => throw new InvalidOperationException($"unknown field error type {Type}"),
    };

    /// <summary>The message without the field, as kube's <c>ErrorBody()</c>; it is the Status cause message.</summary>
    public string Body
    {
        get
        {
            var text = Type switch
            {
                FieldErrorType.Required or FieldErrorType.Forbidden or FieldErrorType.TooLong or FieldErrorType.Internal => TypeText,
                _ => $"{TypeText}: {GoValueText ?? GoText.Value(BadValue)}",
            };
            return Detail.Length == 0 ? text : $"{text}: {Detail}";
        }
    }

    /// <summary>
    /// The bad value exactly as kube prints it when it is not a decoded JSON value (e.g. <c>0x0</c>, Go's <c>%#v</c> of
    /// a uint64); null renders <see cref="BadValue"/>.
    /// </summary>
    internal string? GoValueText { get; init; }

    /// <summary>The full text, as kube's <c>field.Error.Error()</c>: <c>spec.x: Invalid value: "y": detail</c>.</summary>
    public string Message => $"{Field}: {Body}";

    private string TypeText => Type switch
    {
        FieldErrorType.NotFound => "Not found",
        FieldErrorType.Required => "Required value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.Invalid or FieldErrorType.TypeInvalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        _ => "Internal error",
    };

    /// <summary>A missing required value.</summary>
    public static FieldError Required(string field, string detail = "") => new(FieldErrorType.Required, field, JsonValue.Create(""), detail);

    /// <summary>A malformed value.</summary>
    public static FieldError Invalid(string field, JsonNode? value, string detail) => new(FieldErrorType.Invalid, field, value, detail);

    /// <summary>A value of the wrong type.</summary>
    public static FieldError TypeInvalid(string field, JsonNode? value, string detail) => new(FieldErrorType.TypeInvalid, field, value, detail);

    /// <summary>A value outside an enumeration; the detail lists the supported values quoted.</summary>
    public static FieldError NotSupported(string field, JsonNode? value, IEnumerable<string> supported)
    {
        var quoted = supported.Select(GoText.Quote).ToList();
        return new(FieldErrorType.NotSupported, field, value, quoted.Count == 0 ? "" : "supported values: " + string.Join(", ", quoted));
    }

    /// <summary>A value that is not allowed here.</summary>
    public static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, JsonValue.Create(""), detail);

    /// <summary>A repeated value that must be unique.</summary>
    public static FieldError Duplicate(string field, JsonNode? value) => new(FieldErrorType.Duplicate, field, value, "");

    /// <summary>A string longer than allowed.</summary>
    public static FieldError TooLong(string field, JsonNode? value, long maxLength) =>
        new(FieldErrorType.TooLong, field, value, maxLength >= 0 ? $"may not be more than {maxLength} {(maxLength == 1 ? "byte" : "bytes")}" : "value is too long");

    /// <summary>A list or map with more entries than allowed.</summary>
    public static FieldError TooMany(string field, long actual, long max) =>
        new(FieldErrorType.TooMany, field, JsonValue.Create(actual), max >= 0 ? $"must have at most {max} items" : "has too many items");

    /// <summary>Renders like <see cref="Message"/>.</summary>
    public override string ToString() => Message;
}
