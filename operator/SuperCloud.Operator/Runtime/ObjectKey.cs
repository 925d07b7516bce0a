using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>Identifies one object by namespace and name, the unit of work a reconciler receives.</summary>
/// <param name="Namespace">The namespace, or null for cluster-scoped objects.</param>
/// <param name="Name">The object's name.</param>
public readonly record struct ObjectKey(string? Namespace, string Name)
{
    /// <summary>Creates the key of an object from its metadata.</summary>
    public static ObjectKey From(IKubernetesObject<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var name = obj.Metadata?.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException("metadata.name must be set to build an object key", nameof(obj));
        }

        return new ObjectKey(string.IsNullOrEmpty(obj.Metadata!.NamespaceProperty) ? null : obj.Metadata.NamespaceProperty, name);
    }

    /// <summary>Parses "namespace/name" or "name" (cluster-scoped), the format of <see cref="ToString"/>.</summary>
    public static ObjectKey Parse(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return new ObjectKey(null, value);
        }

        if (slash == 0 || slash == value.Length - 1 || value.IndexOf('/', slash + 1) >= 0)
        {
            throw new FormatException($"object key '{value}' must be 'namespace/name' or 'name'");
        }

        return new ObjectKey(value[..slash], value[(slash + 1)..]);
    }

    /// <summary>Returns "namespace/name", or "name" for cluster-scoped objects, like client-go's cache keys.</summary>
    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";
}
