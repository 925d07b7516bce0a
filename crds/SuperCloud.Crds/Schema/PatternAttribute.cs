namespace SuperCloud.Crds.Schema;

/// <summary>An ECMA-262 regular expression a string property must match (<c>pattern</c> in the CRD schema).</summary>
/// <param name="regex">The regular expression, usually anchored with <c>^</c> and <c>$</c>.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string regex) : Attribute
{
    /// <summary>The regular expression.</summary>
    public string Regex { get; } = regex;
}
