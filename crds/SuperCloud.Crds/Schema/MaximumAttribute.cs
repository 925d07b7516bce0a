namespace SuperCloud.Crds.Schema;

/// <summary>The largest value an integer property may take (<c>maximum</c> in the CRD schema).</summary>
/// <param name="value">The inclusive upper bound.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaximumAttribute(long value) : Attribute
{
    /// <summary>The inclusive upper bound.</summary>
    public long Value { get; } = value;
}
