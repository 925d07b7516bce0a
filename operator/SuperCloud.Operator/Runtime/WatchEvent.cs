using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>One event of a watch stream.</summary>
/// <typeparam name="T">The watched kind.</typeparam>
/// <param name="Type">ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.</param>
/// <param name="Entity">The object (for BOOKMARK only its metadata.resourceVersion is meaningful); null for ERROR.</param>
/// <param name="Status">The server's Status for ERROR events.</param>
public sealed record WatchEvent<T>(WatchEventType Type, T? Entity, V1Status? Status)
    where T : class, IKubernetesObject<V1ObjectMeta>;
