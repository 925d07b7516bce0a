namespace SuperCloud.Crds.Schema;

/// <summary>The longest each value of a map of strings may be (<c>maxLength</c> of <c>additionalProperties</c>); it bounds CEL rules over the values.</summary>
/// <param name="length">The inclusive maximum length in characters.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ValueMaxLengthAttribute(int length) : Attribute
{
    /// <summary>The inclusive maximum length in characters.</summary>
    public int Length { get; } = length;
}
