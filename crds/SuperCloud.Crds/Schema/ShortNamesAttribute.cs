namespace SuperCloud.Crds.Schema;

/// <summary>Short names kubectl accepts for the resource (<c>kubectl get sp</c>).</summary>
/// <param name="names">The short names.</param>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ShortNamesAttribute(params string[] names) : Attribute
{
    /// <summary>The short names.</summary>
    public IReadOnlyList<string> Names { get; } = names;
}
