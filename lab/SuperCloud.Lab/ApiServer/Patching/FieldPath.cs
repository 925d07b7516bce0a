namespace SuperCloud.Lab.ApiServer.Patching;

/// <summary>A path of <see cref="PathElement"/>s from the object root, printed like kube: <c>.spec.containers[name="web"].image</c>.</summary>
internal sealed class FieldPath(IReadOnlyList<PathElement> elements)
{
    /// <summary>The steps.</summary>
    public IReadOnlyList<PathElement> Elements { get; } = elements;

    /// <inheritdoc />
    public override string ToString() => string.Concat(Elements.Select(e => e.ToString()));
}
