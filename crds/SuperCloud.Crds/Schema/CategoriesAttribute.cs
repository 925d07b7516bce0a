namespace SuperCloud.Crds.Schema;

/// <summary>Categories the resource belongs to (<c>kubectl get supercloud</c> lists every kind in the category).</summary>
/// <param name="names">The category names.</param>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CategoriesAttribute(params string[] names) : Attribute
{
    /// <summary>The category names.</summary>
    public IReadOnlyList<string> Names { get; } = names;
}
