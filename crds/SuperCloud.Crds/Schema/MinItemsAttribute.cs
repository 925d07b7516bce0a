namespace SuperCloud.Crds.Schema;

/// <summary>The fewest items a list property may hold (<c>minItems</c> in the CRD schema).</summary>
/// <param name="count">The inclusive minimum number of items.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MinItemsAttribute(int count) : Attribute
{
    /// <summary>The inclusive minimum number of items.</summary>
    public int Count { get; } = count;
}
