using System.Reflection;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>Where a kind lives in the API (group, version, plural), read from its <see cref="KubernetesEntityAttribute"/>.</summary>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Version">The API version.</param>
/// <param name="Kind">The kind.</param>
/// <param name="Plural">The plural resource name used in URLs.</param>
public sealed record ResourceType(string Group, string Version, string Kind, string Plural)
{
    /// <summary>The apiVersion field value ("v1" or "group/version").</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Reads the resource type of <typeparamref name="T"/> from its <see cref="KubernetesEntityAttribute"/>.</summary>
    public static ResourceType For<T>() => For(typeof(T));

    /// <summary>Reads the resource type of <paramref name="type"/> from its <see cref="KubernetesEntityAttribute"/>.</summary>
    public static ResourceType For(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var entity = type.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{type.FullName} has no [KubernetesEntity] attribute", nameof(type));
        if (string.IsNullOrEmpty(entity.ApiVersion) || string.IsNullOrEmpty(entity.Kind) || string.IsNullOrEmpty(entity.PluralName))
        {
            throw new ArgumentException($"[KubernetesEntity] of {type.FullName} must set ApiVersion, Kind and PluralName", nameof(type));
        }

        return new ResourceType(entity.Group ?? string.Empty, entity.ApiVersion, entity.Kind, entity.PluralName);
    }

    /// <summary>The collection path, e.g. "/apis/supercloud.dev/v1alpha1/namespaces/ns/superpods" or "/api/v1/configmaps".</summary>
    public string CollectionPath(string? @namespace)
    {
        var prefix = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return string.IsNullOrEmpty(@namespace)
            ? $"{prefix}/{Plural}"
            : $"{prefix}/namespaces/{Uri.EscapeDataString(@namespace)}/{Plural}";
    }

    /// <summary>The path of one object, optionally of one of its subresources ("status").</summary>
    public string ObjectPath(ObjectKey key, string? subresource = null)
    {
        var path = $"{CollectionPath(key.Namespace)}/{Uri.EscapeDataString(key.Name)}";
        return subresource is null ? path : $"{path}/{subresource}";
    }
}
