using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>One event of a watch stream.</summary>
/// <typeparam name="T">The watched kind.</typeparam>
/// <param name="Type">ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.</param>
/// <param name="Entity">The object; null for BOOKMARK and ERROR.</param>
/// <param name="Status">The server's Status for ERROR events.</param>
/// <param name="BookmarkResourceVersion">For BOOKMARK events, the resourceVersion the stream has reached.</param>
public sealed record WatchEvent<T>(WatchEventType Type, T? Entity, V1Status? Status, string? BookmarkResourceVersion = null)
    where T : class, IKubernetesObject<V1ObjectMeta>;
