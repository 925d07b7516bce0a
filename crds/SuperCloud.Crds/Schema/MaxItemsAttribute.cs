namespace SuperCloud.Crds.Schema;

/// <summary>The most items a list property may hold (<c>maxItems</c>); it also bounds the cost of CEL rules over the list.</summary>
/// <param name="count">The inclusive maximum number of items.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxItemsAttribute(int count) : Attribute
{
    /// <summary>The inclusive maximum number of items.</summary>
    public int Count { get; } = count;
}
