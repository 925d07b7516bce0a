using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>Callbacks an informer invokes for each change; they should only enqueue keys, never call the API.</summary>
/// <typeparam name="T">The informer's kind.</typeparam>
/// <param name="OnAdd">An object appeared (also for every object of the first list).</param>
/// <param name="OnUpdate">An object changed: old, then new.</param>
/// <param name="OnDelete">An object disappeared (its last known state; for a delete missed during a watch gap, the state before the gap).</param>
public sealed record ResourceEventHandler<T>(Action<T>? OnAdd = null, Action<T, T>? OnUpdate = null, Action<T>? OnDelete = null)
    where T : class, IKubernetesObject<V1ObjectMeta>;
