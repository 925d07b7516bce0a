using System.Text.Json;
using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>Finalizer helpers: check, add and remove on an object, and persist the change with optimistic concurrency.</summary>
public static class Finalizers
{
    /// <summary>True when <paramref name="obj"/> carries <paramref name="finalizer"/>.</summary>
    public static bool Has(IKubernetesObject<V1ObjectMeta> obj, string finalizer)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj.Metadata?.Finalizers?.Contains(finalizer) == true;
    }

    /// <summary>Adds <paramref name="finalizer"/> to <paramref name="obj"/> in memory; returns false if already present.</summary>
    public static bool Add(IKubernetesObject<V1ObjectMeta> obj, string finalizer)
    {
        ArgumentNullException.ThrowIfNull(obj);
        Validate(finalizer);
        obj.Metadata ??= new V1ObjectMeta();
        obj.Metadata.Finalizers ??= [];
        if (obj.Metadata.Finalizers.Contains(finalizer))
        {
            return false;
        }

        obj.Metadata.Finalizers.Add(finalizer);
        return true;
    }

    /// <summary>Removes <paramref name="finalizer"/> from <paramref name="obj"/> in memory; returns false if absent.</summary>
    public static bool Remove(IKubernetesObject<V1ObjectMeta> obj, string finalizer)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj.Metadata?.Finalizers?.Remove(finalizer) == true;
    }

    /// <summary>
    /// Adds <paramref name="finalizer"/> and writes it, unless already present. The patch carries the object's
    /// resourceVersion, so a concurrent change makes it fail with 409 (the reconcile is then retried from fresh state).
    /// </summary>
    public static async Task<T> EnsureAsync<T>(ResourceClient<T> client, T obj, string finalizer, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(obj);
        var copy = Copy(obj);
        return Add(copy, finalizer) ? await WriteAsync(client, copy, cancellationToken) : obj;
    }

    /// <summary>Removes <paramref name="finalizer"/> and writes it, unless already absent (409 on a concurrent change).</summary>
    public static async Task<T> RemoveAsync<T>(ResourceClient<T> client, T obj, string finalizer, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(obj);
        var copy = Copy(obj);
        return Remove(copy, finalizer) ? await WriteAsync(client, copy, cancellationToken) : obj;
    }

    private static void Validate(string finalizer)
    {
        ArgumentException.ThrowIfNullOrEmpty(finalizer);
        if (!finalizer.Contains('/', StringComparison.Ordinal))
        {
            // kube-apiserver warns on unqualified finalizers; ours are always domain-qualified.
            throw new ArgumentException($"finalizer '{finalizer}' must be domain-qualified, like 'supercloud.dev/cleanup'", nameof(finalizer));
        }
    }

    private static T Copy<T>(T obj) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj!));

    private static Task<T> WriteAsync<T>(ResourceClient<T> client, T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var patch = JsonSerializer.Serialize(new
        {
            metadata = new
            {
                resourceVersion = obj.Metadata.ResourceVersion,
                finalizers = obj.Metadata.Finalizers,
            },
        });
        return client.PatchAsync(ObjectKey.From(obj), patch, ResourceClient<T>.MergePatch, null, cancellationToken);
    }
}
