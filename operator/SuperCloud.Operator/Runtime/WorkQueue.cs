namespace SuperCloud.Operator.Runtime;

/// <summary>
/// A rate-limited, delaying work queue with client-go semantics: an item waits in the queue at most once
/// (deduplication), is never handed to two workers at once, and is handed out again after <see cref="Done"/>
/// when it was added while being processed.
/// </summary>
/// <typeparam name="T">The item type (usually <see cref="ObjectKey"/>).</typeparam>
public sealed class WorkQueue<T> : IDisposable
    where T : notnull
{
    private readonly Lock _lock = new();
    private readonly Queue<T> _queue = new();
    private readonly Dictionary<T, long> _dirty = [];
    private readonly Dictionary<T, long> _processing = [];
    private readonly Queue<TaskCompletionSource<bool>> _getters = new();
    private readonly Dictionary<T, DateTimeOffset> _waiting = [];
    private readonly PriorityQueue<T, DateTimeOffset> _waitingByTime = new();
    private readonly TimeProvider _timeProvider;
    private readonly QueueMetrics? _metrics;
    private readonly ITimer _timer;
    private TaskCompletionSource? _drained;
    private DateTimeOffset _timerDue = DateTimeOffset.MaxValue;
    private bool _shuttingDown;

    /// <summary>Creates a queue named <paramref name="name"/> (the metrics' label) that retries through <paramref name="rateLimiter"/>.</summary>
    public WorkQueue(string name, RateLimiter<T> rateLimiter, TimeProvider timeProvider, OperatorMetrics? metrics = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(rateLimiter);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Name = name;
        RateLimiter = rateLimiter;
        _timeProvider = timeProvider;
        if (metrics is not null)
        {
            // The labelled series are resolved once: a label lookup per add and get would cost more than the queue itself.
            string[] labels = [name, name];
            _metrics = new QueueMetrics(
                metrics.QueueDepth.WithLabels(labels), metrics.QueueAdds.WithLabels(labels), metrics.QueueRetries.WithLabels(labels),
                metrics.QueueDuration.WithLabels(labels), metrics.WorkDuration.WithLabels(labels),
                metrics.UnfinishedWork.WithLabels(labels), metrics.LongestRunningProcessor.WithLabels(labels));
            _metrics.Depth.Set(0);
            _metrics.Adds.IncTo(0);
            _metrics.Retries.IncTo(0);
            _metrics.UnfinishedWork.Set(0);
            _metrics.LongestRunningProcessor.Set(0);

            // Computed when scraped rather than on a timer (client-go polls every 500 ms): always current, no idle work.
            metrics.Registry.AddBeforeCollectCallback(UpdateUnfinishedWork);
        }

        _timer = timeProvider.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The queue's name.</summary>
    public string Name { get; }

    /// <summary>The rate limiter that decides retry delays.</summary>
    public RateLimiter<T> RateLimiter { get; }

    /// <summary>The number of items ready to be handed out (excludes items being processed or waiting for a delay).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>The number of items waiting for a delay (<see cref="AddAfter"/>, <see cref="AddRateLimited"/>) to pass.</summary>
    public int WaitingCount
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>True once <see cref="ShutDown"/> was called.</summary>
    public bool IsShuttingDown
    {
        get
        {
            lock (_lock)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>Adds <paramref name="item"/> unless it is already waiting; ignored after shutdown.</summary>
    public void Add(T item)
    {
        lock (_lock)
        {
            AddLocked(item);
        }
    }

    /// <summary>Adds <paramref name="item"/> after <paramref name="delay"/>; an earlier pending delay for the same item wins.</summary>
    public void AddAfter(T item, TimeSpan delay)
    {
        lock (_lock)
        {
            if (_shuttingDown)
            {
                return;
            }

            if (delay <= TimeSpan.Zero)
            {
                AddLocked(item);
                return;
            }

            var readyAt = _timeProvider.GetUtcNow() + delay;
            if (_waiting.TryGetValue(item, out var existing) && existing <= readyAt)
            {
                return;
            }

            // The heap keeps stale entries; they are recognised by a ready time that no longer matches _waiting.
            _waiting[item] = readyAt;
            _waitingByTime.Enqueue(item, readyAt);
            ArmTimerLocked();
        }
    }

    /// <summary>Adds <paramref name="item"/> after the rate limiter's delay for it (a retry with backoff).</summary>
    public void AddRateLimited(T item)
    {
        _metrics?.Retries.Inc();
        AddAfter(item, RateLimiter.When(item));
    }

    /// <summary>Stops tracking retries of <paramref name="item"/>: its next failure starts from the base delay.</summary>
    public void Forget(T item) => RateLimiter.Forget(item);

    /// <summary>How many times <paramref name="item"/> was retried since it was last forgotten.</summary>
    public int NumRequeues(T item) => RateLimiter.NumRequeues(item);

    /// <summary>
    /// Waits for the next item; the caller must call <see cref="Done"/> with it. Returns Shutdown = true once the
    /// queue is shut down: no new work is handed out after that, so stopping workers never starts a reconcile.
    /// </summary>
    public async Task<(T Item, bool Shutdown)> GetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource<bool> getter;
            lock (_lock)
            {
                if (_shuttingDown)
                {
                    return (default!, true);
                }

                if (_queue.Count > 0)
                {
                    var item = _queue.Dequeue();
                    var now = _timeProvider.GetTimestamp();
                    if (_dirty.Remove(item, out var addedAt))
                    {
                        _metrics?.QueueDuration.Observe(_timeProvider.GetElapsedTime(addedAt, now).TotalSeconds);
                    }

                    _processing[item] = now;
                    _metrics?.Depth.Set(_queue.Count);
                    return (item, false);
                }

                getter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                _getters.Enqueue(getter);
            }

            using (cancellationToken.Register(() => getter.TrySetCanceled(cancellationToken)))
            {
                await getter.Task;
            }
        }
    }

    /// <summary>Marks <paramref name="item"/> as processed; if it was added meanwhile, it is queued again now.</summary>
    public void Done(T item)
    {
        lock (_lock)
        {
            if (!_processing.Remove(item, out var startedAt))
            {
                return;
            }

            _metrics?.WorkDuration.Observe(_timeProvider.GetElapsedTime(startedAt).TotalSeconds);
            if (_dirty.ContainsKey(item) && !_shuttingDown)
            {
                EnqueueLocked(item);
            }

            if (_processing.Count == 0)
            {
                _drained?.TrySetResult();
            }
        }
    }

    /// <summary>Stops handing out items, wakes every waiting worker and drops pending delayed items.</summary>
    public void ShutDown()
    {
        List<TaskCompletionSource<bool>> getters;
        lock (_lock)
        {
            _shuttingDown = true;
            _waiting.Clear();
            _waitingByTime.Clear();
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            getters = [.. _getters];
            _getters.Clear();
        }

        foreach (var getter in getters)
        {
            getter.TrySetResult(true);
        }
    }

    /// <summary>Shuts down and waits until every item handed out has been marked <see cref="Done"/>.</summary>
    public async Task ShutDownWithDrainAsync(CancellationToken cancellationToken)
    {
        ShutDown();
        Task drained;
        lock (_lock)
        {
            if (_processing.Count == 0)
            {
                return;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained.Task;
        }

        await drained.WaitAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        ShutDown();
        _timer.Dispose();
    }

    /// <summary>Sets workqueue_unfinished_work_seconds and workqueue_longest_running_processor_seconds from the items being processed now.</summary>
    internal void UpdateUnfinishedWork()
    {
        if (_metrics is null)
        {
            return;
        }

        double total = 0, longest = 0;
        lock (_lock)
        {
            var now = _timeProvider.GetTimestamp();
            foreach (var startedAt in _processing.Values)
            {
                var seconds = _timeProvider.GetElapsedTime(startedAt, now).TotalSeconds;
                total += seconds;
                longest = Math.Max(longest, seconds);
            }
        }

        _metrics.UnfinishedWork.Set(total);
        _metrics.LongestRunningProcessor.Set(longest);
    }

    private void AddLocked(T item)
    {
        if (_shuttingDown || _dirty.ContainsKey(item))
        {
            return;
        }

        _metrics?.Adds.Inc();
        _dirty[item] = _timeProvider.GetTimestamp();
        if (_processing.ContainsKey(item))
        {
            // Done() queues it again, so one key never reaches two workers.
            return;
        }

        EnqueueLocked(item);
    }

    private void EnqueueLocked(T item)
    {
        _queue.Enqueue(item);
        _metrics?.Depth.Set(_queue.Count);
        while (_getters.TryDequeue(out var getter))
        {
            if (getter.TrySetResult(false))
            {
                return;
            }
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            _timerDue = DateTimeOffset.MaxValue;
            if (_shuttingDown)
            {
                return;
            }

            var now = _timeProvider.GetUtcNow();
            while (_waitingByTime.TryPeek(out var item, out var readyAt) && readyAt <= now)
            {
                _waitingByTime.Dequeue();
                if (_waiting.TryGetValue(item, out var current) && current == readyAt)
                {
                    _waiting.Remove(item);
                    AddLocked(item);
                }
            }

            ArmTimerLocked();
        }
    }

    private void ArmTimerLocked()
    {
        // Drop stale heap heads so the timer is armed for a live entry.
        while (_waitingByTime.TryPeek(out var head, out var headAt)
            && (!_waiting.TryGetValue(head, out var current) || current != headAt))
        {
            _waitingByTime.Dequeue();
        }

        if (!_waitingByTime.TryPeek(out _, out var next) || next >= _timerDue)
        {
            return;
        }

        _timerDue = next;
        var due = next - _timeProvider.GetUtcNow();
        _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private sealed record QueueMetrics(
        Prometheus.Gauge.Child Depth, Prometheus.Counter.Child Adds, Prometheus.Counter.Child Retries,
        Prometheus.Histogram.Child QueueDuration, Prometheus.Histogram.Child WorkDuration,
        Prometheus.Gauge.Child UnfinishedWork, Prometheus.Gauge.Child LongestRunningProcessor);
}
