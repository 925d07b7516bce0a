using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>
/// Keeps a <see cref="Cache{T}"/> of one kind in step with the API server, like client-go's reflector + informer:
/// list, then watch from the list's resourceVersion with bookmarks and a jittered timeout; resume from the last seen
/// version when a watch ends or breaks; on 410 Gone relist and synthesise the adds, updates and deletes missed.
/// </summary>
/// <typeparam name="T">The informed kind.</typeparam>
public sealed class Informer<T> : IInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly TimeSpan WatchGrace = TimeSpan.FromSeconds(30);
    private readonly ResourceClient<T> _client;
    private readonly InformerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _handlersLock = new();

    // Serialises cache changes with their dispatch, so a resync never delivers an object older than one already delivered.
    private readonly Lock _applyLock = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ResourceEventHandler<T>[] _handlers = [];
    private readonly string _plural;
    private volatile string? _lastResourceVersion;
    private int _resyncCount;

    /// <summary>Creates an informer; nothing happens until <see cref="RunAsync"/>.</summary>
    public Informer(ResourceClient<T> client, InformerOptions options, TimeProvider timeProvider, ILogger<Informer<T>> logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MinWatchTimeout, TimeSpan.FromSeconds(1), "MinWatchTimeout");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.PageSize, "PageSize");
        if (options.ResyncPeriod is { } resync)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(resync, TimeSpan.FromSeconds(1), "ResyncPeriod");
        }

        _client = client;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _plural = client.Type.Plural;
    }

    /// <summary>The objects seen so far.</summary>
    public Cache<T> Cache { get; } = new();

    /// <inheritdoc/>
    public ResourceType ResourceType => _client.Type;

    /// <inheritdoc/>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion the next watch resumes from.</summary>
    public string? LastSyncResourceVersion => _lastResourceVersion;

    /// <summary>How many times the informer listed (the first list plus relists after 410 Gone).</summary>
    public int ListCount { get; private set; }

    /// <summary>How many periodic resyncs have been delivered (see <see cref="InformerOptions.ResyncPeriod"/>).</summary>
    public int ResyncCount => Volatile.Read(ref _resyncCount);

    /// <summary>Registers callbacks; a handler added after the first sync first receives an add for each cached object.</summary>
    public void AddHandler(ResourceEventHandler<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_handlersLock)
        {
            _handlers = [.. _handlers, handler];
            if (HasSynced)
            {
                foreach (var item in Cache.List())
                {
                    Invoke(handler, null, item);
                }
            }
        }
    }

    /// <inheritdoc/>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var resync = _options.ResyncPeriod is { } period
            ? Task.Run(() => ResyncLoopAsync(period, cancellationToken), CancellationToken.None)
            : Task.CompletedTask;
        try
        {
            await ListAndWatchAsync(cancellationToken);
        }
        finally
        {
            await resync;
        }
    }

    private async Task ResyncLoopAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        try
        {
            await WaitForSyncAsync(cancellationToken);
            using var timer = new PeriodicTimer(period, _timeProvider);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                lock (_applyLock)
                {
                    foreach (var item in Cache.List())
                    {
                        Dispatch(item, item);
                    }
                }

                Interlocked.Increment(ref _resyncCount);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task ListAndWatchAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var needList = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAndReplaceAsync(cancellationToken);
                    needList = false;
                }

                var started = _timeProvider.GetTimestamp();
                var events = await WatchOnceAsync(cancellationToken);
                if (events == 0 && _timeProvider.GetElapsedTime(started) < TimeSpan.FromSeconds(1))
                {
                    // A server that ends every watch at once must not be hammered: back off as for a failure.
                    failures++;
                    await Task.Delay(Backoff(failures), _timeProvider, cancellationToken);
                }
                else
                {
                    failures = 0;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (KubernetesApiException e) when (e.IsGone || e.Status?.Code == 410)
            {
                // The version we hold was compacted away: only a fresh list can tell what was missed.
                if (_logger.IsEnabled(LogLevel.Information))
                {
                    _logger.LogInformation("Watch of {Resource} expired at resourceVersion {ResourceVersion}; relisting", _plural, _lastResourceVersion);
                }

                needList = true;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failures++;
                var delay = Backoff(failures);
                _logger.LogWarning(e, "{Operation} of {Resource} failed ({Failures} in a row); retrying in {Delay}",
                    needList ? "List" : "Watch", _plural, failures, delay);
                try
                {
                    await Task.Delay(delay, _timeProvider, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task ListAndReplaceAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? continueToken = null;
        string resourceVersion;
        do
        {
            // No resourceVersion: a consistent read from etcd's latest state, like client-go's relist after 410.
            var page = await _client.ListAsync(
                _options.Namespace, _options.LabelSelector, _options.FieldSelector, _options.PageSize, continueToken, null, cancellationToken);
            items.AddRange(page.Items);
            continueToken = page.Continue;
            resourceVersion = page.ResourceVersion;
        }
        while (continueToken is not null);

        lock (_applyLock)
        {
            var changes = Cache.Replace(items);
            _lastResourceVersion = resourceVersion;
            ListCount++;
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.LogDebug("Listed {Count} {Resource} at resourceVersion {ResourceVersion} ({Changes} changes)",
                    items.Count, _plural, resourceVersion, changes.Count);
            }

            foreach (var (old, current) in changes)
            {
                Dispatch(old, current);
            }
        }

        _synced.TrySetResult();
    }

    private async Task<int> WatchOnceAsync(CancellationToken cancellationToken)
    {
        var events = 0;
        // Jitter spreads the re-watches of many informers (and many operator replicas) over time.
        var timeout = _options.MinWatchTimeout * (1 + Random.Shared.NextDouble());

        // The server ends the watch after the timeout; if the connection silently died it never will, so give up a
        // little later and resume from the last version.
        using var guard = new CancellationTokenSource(timeout + WatchGrace, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, guard.Token);
        try
        {
            await foreach (var watchEvent in _client.WatchAsync(
                _options.Namespace, _options.LabelSelector, _options.FieldSelector, _lastResourceVersion, timeout, linked.Token))
            {
                events++;
                Apply(watchEvent);
            }
        }
        catch (OperationCanceledException) when (guard.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("Watch of {Resource} outlived its timeout; resuming", _plural);
        }

        return events;
    }

    private void Apply(WatchEvent<T> watchEvent)
    {
        lock (_applyLock)
        {
            ApplyLocked(watchEvent);
        }
    }

    private void ApplyLocked(WatchEvent<T> watchEvent)
    {
        switch (watchEvent.Type)
        {
            case WatchEventType.Added:
            case WatchEventType.Modified:
                {
                    var item = watchEvent.Entity!;
                    var old = Cache.Upsert(item);
                    _lastResourceVersion = item.Metadata?.ResourceVersion ?? _lastResourceVersion;
                    Dispatch(old, item);
                    break;
                }

            case WatchEventType.Deleted:
                {
                    var item = watchEvent.Entity!;
                    var old = Cache.Remove(ObjectKey.From(item));
                    _lastResourceVersion = item.Metadata?.ResourceVersion ?? _lastResourceVersion;
                    Dispatch(old ?? item, null);
                    break;
                }

            case WatchEventType.Bookmark:
                _lastResourceVersion = watchEvent.BookmarkResourceVersion ?? _lastResourceVersion;
                break;

            case WatchEventType.Error:
                throw new KubernetesApiException(
                    (System.Net.HttpStatusCode)(watchEvent.Status?.Code ?? 500), watchEvent.Status, $"watch {_plural}");
        }
    }

    private void Dispatch(T? old, T? current)
    {
        ResourceEventHandler<T>[] handlers;
        lock (_handlersLock)
        {
            handlers = _handlers;
        }

        foreach (var handler in handlers)
        {
            Invoke(handler, old, current);
        }
    }

    private void Invoke(ResourceEventHandler<T> handler, T? old, T? current)
    {
        try
        {
            if (old is null && current is not null)
            {
                handler.OnAdd?.Invoke(current);
            }
            else if (old is not null && current is not null)
            {
                handler.OnUpdate?.Invoke(old, current);
            }
            else if (old is not null)
            {
                handler.OnDelete?.Invoke(old);
            }
        }
        catch (Exception e)
        {
            // A faulty handler must not stop the informer: the cache stays correct and other handlers still run.
            _logger.LogError(e, "Event handler of {Resource} threw", _plural);
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var seconds = _options.InitialBackoff.TotalSeconds * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(seconds, _options.MaxBackoff.TotalSeconds);
        return TimeSpan.FromSeconds(capped * (0.5 + (Random.Shared.NextDouble() / 2)));
    }
}
