namespace SuperCloud.Crds.Schema;

/// <summary>The longest a string property may be (<c>maxLength</c> in the CRD schema).</summary>
/// <param name="length">The inclusive maximum length in characters.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxLengthAttribute(int length) : Attribute
{
    /// <summary>The inclusive maximum length in characters.</summary>
    public int Length { get; } = length;
}
