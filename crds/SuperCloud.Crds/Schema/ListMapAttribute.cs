namespace SuperCloud.Crds.Schema;

/// <summary>
/// Declares a list as a map keyed by the given fields (<c>x-kubernetes-list-type: map</c>): keys must be unique and
/// server-side apply merges items by key.
/// </summary>
/// <param name="keys">The item fields that form the key; they must be required.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapAttribute(params string[] keys) : Attribute
{
    /// <summary>The item fields that form the key.</summary>
    public IReadOnlyList<string> Keys { get; } = keys;
}
