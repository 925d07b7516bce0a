using System.Net;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Bench;

/// <summary>
/// A cluster-wide watch of one kind from a resourceVersion that resumes where it stopped when the server ends the stream
/// (its timeout, or the close kube-apiserver and the lab give a watcher that falls behind), so no event is missed.
/// </summary>
internal static class ResumingWatch
{
    /// <summary>ADDED, MODIFIED and DELETED events after <paramref name="fromVersion"/>; bookmarks only move the resume point.</summary>
    public static async IAsyncEnumerable<WatchEvent<T>> EventsAsync<T>(
        ResourceClient<T> client, string fromVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var version = fromVersion;
        while (!cancellationToken.IsCancellationRequested)
        {
            await foreach (var e in client.WatchAsync(null, null, null, version, TimeSpan.FromMinutes(10), cancellationToken))
            {
                switch (e.Type)
                {
                    case WatchEventType.Bookmark:
                        version = e.BookmarkResourceVersion ?? version;
                        break;
                    case WatchEventType.Error:
                        throw new KubernetesApiException((HttpStatusCode)(e.Status?.Code ?? 500), e.Status, $"watch {client.Type.Plural}");
                    default:
                        version = e.Entity!.Metadata.ResourceVersion ?? version;
                        yield return e;
                        break;
                }
            }
        }
    }
}
