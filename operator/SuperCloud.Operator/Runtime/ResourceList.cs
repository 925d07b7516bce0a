using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>One page of a list call.</summary>
/// <typeparam name="T">The listed kind.</typeparam>
/// <param name="Items">The objects of this page.</param>
/// <param name="ResourceVersion">The list's resourceVersion, the point a watch resumes from.</param>
/// <param name="Continue">The token of the next page, or null on the last page.</param>
public sealed record ResourceList<T>(IReadOnlyList<T> Items, string ResourceVersion, string? Continue)
    where T : class, IKubernetesObject<V1ObjectMeta>;
