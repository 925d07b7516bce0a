namespace SuperCloud.Lab.ApiServer.Validation;

/// <summary>
/// The optional value CEL's <c>oldSelf</c> becomes for rules with <c>optionalOldSelf: true</c>: absent on create,
/// present on update; read with <c>hasValue()</c>, <c>value()</c> and <c>orValue(default)</c>.
/// </summary>
internal sealed class CelOptional
{
    private CelOptional(bool hasValue, object? value)
    {
        HasValue = hasValue;
        Value = value;
    }

    /// <summary>The absent value.</summary>
    public static CelOptional None { get; } = new(false, null);

    /// <summary>True when a value is present.</summary>
    public bool HasValue { get; }

    /// <summary>The value; null when absent.</summary>
    public object? Value { get; }

    /// <summary>A present value.</summary>
    public static CelOptional Of(object? value) => new(true, value);
}
