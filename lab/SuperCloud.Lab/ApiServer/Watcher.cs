using System.Threading.Channels;

namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// One open watch: a bounded queue filled by the store (never blocking a writer) and drained by the HTTP stream.
/// A watcher that falls behind is closed, as kube-apiserver closes slow watchers; its client re-watches.
/// </summary>
internal sealed class Watcher(WatchFilter filter, int capacity)
{
    private readonly Channel<WatchEvent> _queue = Channel.CreateBounded<WatchEvent>(
        new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public WatchFilter Filter { get; } = filter;

    /// <summary>Changes up to this resourceVersion were in the watch's backlog; the store skips them.</summary>
    public long DeliveredThrough { get; init; }

    public ChannelReader<WatchEvent> Events => _queue.Reader;

    /// <summary>Queues an event; returns false (and closes the watcher) when the queue is full.</summary>
    public bool Offer(WatchEvent e)
    {
        if (_queue.Writer.TryWrite(e))
        {
            return true;
        }

        Close();
        return false;
    }

    public void Close() => _queue.Writer.TryComplete();
}
