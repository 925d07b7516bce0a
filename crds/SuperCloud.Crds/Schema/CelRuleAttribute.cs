namespace SuperCloud.Crds.Schema;

/// <summary>
/// A CEL validation rule (<c>x-kubernetes-validations</c>). On a class it applies to the object (<c>self</c> is the
/// object); on a property it applies to that property's value. Rules that mention <c>oldSelf</c> are transition rules.
/// </summary>
/// <param name="rule">The CEL expression that must evaluate to true.</param>
/// <param name="message">The error the API server returns when the rule is false.</param>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property, AllowMultiple = true)]
public sealed class CelRuleAttribute(string rule, string message) : Attribute
{
    /// <summary>The CEL expression.</summary>
    public string Rule { get; } = rule;

    /// <summary>The error message.</summary>
    public string Message { get; } = message;

    /// <summary>A JSON path relative to <c>self</c> (such as <c>.maxPricePerHour</c>) that the error names.</summary>
    public string? FieldPath { get; init; }

    /// <summary>The machine-readable reason: FieldValueInvalid (the default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate.</summary>
    public string? Reason { get; init; }
}
