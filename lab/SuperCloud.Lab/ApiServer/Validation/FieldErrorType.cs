namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>The kind of a field validation error, one to one with kube's <c>field.ErrorType</c>.</summary>
public enum FieldErrorType
{
    /// <summary>A referenced value was not found (<c>FieldValueNotFound</c>).</summary>
    NotFound,

    /// <summary>A required value is missing (<c>FieldValueRequired</c>).</summary>
    Required,

    /// <summary>A value that must be unique is repeated (<c>FieldValueDuplicate</c>).</summary>
    Duplicate,

    /// <summary>A malformed or out-of-range value (<c>FieldValueInvalid</c>).</summary>
    Invalid,

    /// <summary>A value outside an enumeration (<c>FieldValueNotSupported</c>).</summary>
    NotSupported,

    /// <summary>A value that is not permitted here (<c>FieldValueForbidden</c>).</summary>
    Forbidden,

    /// <summary>A string that is too long (<c>FieldValueTooLong</c>).</summary>
    TooLong,

    /// <summary>A list or map with too many entries (<c>FieldValueTooMany</c>).</summary>
    TooMany,

    /// <summary>An error not caused by the input (<c>InternalError</c>).</summary>
    Internal,

    /// <summary>A value of the wrong type for the schema (<c>FieldValueTypeInvalid</c>).</summary>
    TypeInvalid,
}
