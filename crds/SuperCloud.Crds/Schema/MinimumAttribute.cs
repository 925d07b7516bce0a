namespace SuperCloud.Crds.Schema;

/// <summary>The smallest value an integer property may take (<c>minimum</c> in the CRD schema).</summary>
/// <param name="value">The inclusive lower bound.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinimumAttribute(long value) : Attribute
{
    /// <summary>The inclusive lower bound.</summary>
    public long Value { get; } = value;
}
