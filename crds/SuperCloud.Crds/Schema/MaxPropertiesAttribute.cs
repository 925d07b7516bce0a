namespace SuperCloud.Crds.Schema;

/// <summary>The most entries a map property may hold (<c>maxProperties</c>); it also bounds the cost of CEL rules over the map.</summary>
/// <param name="count">The inclusive maximum number of entries.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MaxPropertiesAttribute(int count) : Attribute
{
    /// <summary>The inclusive maximum number of entries.</summary>
    public int Count { get; } = count;
}
