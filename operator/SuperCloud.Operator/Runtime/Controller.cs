using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>
/// Runs a reconciler for one kind like controller-runtime: informer events enqueue keys, N workers reconcile them
/// once the caches have synced; exceptions requeue with per-key backoff, terminal errors are surfaced and not retried,
/// <see cref="ReconcileResult.RequeueAfter"/> schedules the next pass. No exception escapes a worker.
/// </summary>
/// <typeparam name="T">The reconciled (primary) kind.</typeparam>
public sealed class Controller<T> : IController, IDisposable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Informer<T> _informer;
    private readonly IReconciler _reconciler;
    private readonly ControllerOptions _options;
    private readonly OperatorMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly List<IInformer> _informers;
    private readonly Prometheus.Gauge.Child _activeWorkers;
    private readonly Prometheus.Histogram.Child _reconcileTime;
    private readonly Dictionary<string, Prometheus.Counter.Child> _reconcileTotal = [];
    private int _started;

    /// <summary>Creates a controller reconciling <typeparamref name="T"/> objects of <paramref name="informer"/>.</summary>
    public Controller(
        string name, Informer<T> informer, IReconciler reconciler, ControllerOptions options, OperatorMetrics metrics,
        TimeProvider timeProvider, ILogger<Controller<T>> logger, TerminalErrorHandler? onTerminalError = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(informer);
        ArgumentNullException.ThrowIfNull(reconciler);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Workers, "Workers");
        Name = name;
        _informer = informer;
        _reconciler = reconciler;
        _options = options;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        OnTerminalError = onTerminalError;
        _informers = [informer];
        Queue = new WorkQueue<ObjectKey>(
            name,
            new RateLimiter<ObjectKey>(timeProvider, options.BaseRetryDelay, options.MaxRetryDelay, options.RetryQps, options.RetryBurst),
            timeProvider,
            metrics);

        // Like controller-runtime, every result series exists from the start, so rates work before the first error.
        foreach (var result in (string[])["success", "error", "requeue", "requeue_after"])
        {
            _reconcileTotal[result] = metrics.ReconcileTotal.WithLabels(name, result);
            _reconcileTotal[result].IncTo(0);
        }

        // Resolved once: the per-reconcile series must not cost a label lookup each time.
        _activeWorkers = metrics.ActiveWorkers.WithLabels(name);
        _reconcileTime = metrics.ReconcileTime.WithLabels(name);

        metrics.ReconcileErrors.WithLabels(name).IncTo(0);
        metrics.TerminalReconcileErrors.WithLabels(name).IncTo(0);
        metrics.ReconcilePanics.WithLabels(name).IncTo(0);
        metrics.ActiveWorkers.WithLabels(name).Set(0);
        informer.AddHandler(new ResourceEventHandler<T>(
            OnAdd: o => Queue.Add(ObjectKey.From(o)),
            OnUpdate: (_, o) => Queue.Add(ObjectKey.From(o)),
            OnDelete: o => Queue.Add(ObjectKey.From(o))));
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The controller's work queue of primary keys.</summary>
    public WorkQueue<ObjectKey> Queue { get; }

    /// <summary>Called for terminal errors (set by the manager to write a condition and an Event).</summary>
    public TerminalErrorHandler? OnTerminalError { get; set; }

    /// <summary>Reconciles the owner (of kind <typeparamref name="T"/>) of every child that changes, found through its ownerReferences.</summary>
    public Controller<T> Owns<TChild>(Informer<TChild> children)
        where TChild : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(children);
        var type = _informer.ResourceType;
        return Watches(children, child => (child.Metadata?.OwnerReferences ?? [])
            .Where(r => r.Kind == type.Kind && ApiGroup(r.ApiVersion) == type.Group)
            .Select(r => OwnerKey(child.Metadata!.NamespaceProperty, r.Name)));
    }

    /// <summary>Reconciles the primary keys <paramref name="map"/> returns for every change of a related object (e.g. through an index).</summary>
    public Controller<T> Watches<TOther>(Informer<TOther> other, Func<TOther, IEnumerable<ObjectKey>> map)
        where TOther : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(map);
        if (Volatile.Read(ref _started) != 0)
        {
            throw new InvalidOperationException($"controller {Name}: watches must be added before it starts");
        }

        _informers.Add(other);
        void Enqueue(TOther o)
        {
            foreach (var key in map(o))
            {
                Queue.Add(key);
            }
        }

        other.AddHandler(new ResourceEventHandler<TOther>(
            OnAdd: Enqueue,
            OnUpdate: (old, o) =>
            {
                // A child moved to another owner must wake the old owner too.
                Enqueue(old);
                Enqueue(o);
            },
            OnDelete: Enqueue));
        return this;
    }

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException($"controller {Name} was already started; a controller runs once");
        }

        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("Starting controller {Controller}; waiting for {Count} caches to sync", Name, _informers.Count);
        }
        try
        {
            await Task.WhenAll(_informers.Select(i => i.WaitForSyncAsync(cancellationToken)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Queue.ShutDown();
            return;
        }

        await RunWorkersAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose() => Queue.Dispose();

    /// <summary>Runs the workers without waiting for the caches (tests feed the queue directly).</summary>
    internal async Task RunWorkersAsync(CancellationToken cancellationToken)
    {
        _metrics.MaxConcurrentReconciles.WithLabels(Name).Set(_options.Workers);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("Starting {Workers} workers of controller {Controller}", _options.Workers, Name);
        }
        var workers = Enumerable.Range(0, _options.Workers).Select(_ => Task.Run(() => WorkerAsync(cancellationToken), CancellationToken.None)).ToArray();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: fall through to shut the queue down.
        }

        Queue.ShutDown();
        await Task.WhenAll(workers);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("Stopped all workers of controller {Controller}", Name);
        }
    }

    private ObjectKey OwnerKey(string? childNamespace, string ownerName)
    {
        // An owner is in the child's namespace or cluster-scoped (owner references cannot cross namespaces);
        // the cache tells which, and a namespaced guess is right for owners not cached yet.
        if (string.IsNullOrEmpty(childNamespace))
        {
            return new ObjectKey(null, ownerName);
        }

        var namespaced = new ObjectKey(childNamespace, ownerName);
        var clusterScoped = new ObjectKey(null, ownerName);
        return _informer.Cache.Get(namespaced) is null && _informer.Cache.Get(clusterScoped) is not null ? clusterScoped : namespaced;
    }

    private static string ApiGroup(string? apiVersion)
    {
        var slash = apiVersion?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        return slash < 0 ? string.Empty : apiVersion![..slash];
    }

    private async Task WorkerAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            ObjectKey key;
            try
            {
                (key, var shutdown) = await Queue.GetAsync(cancellationToken);
                if (shutdown)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _activeWorkers.Inc();
            try
            {
                await ReconcileHandlerAsync(key, cancellationToken);
            }
            finally
            {
                _activeWorkers.Dec();
                Queue.Done(key);
            }
        }
    }

    private async Task ReconcileHandlerAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        string result;
        try
        {
            var outcome = await _reconciler.ReconcileAsync(key, cancellationToken);
            if (outcome.RequeueAfter > TimeSpan.Zero)
            {
                // Success that asks for a later pass: reset the backoff, then schedule it.
                Queue.Forget(key);
                Queue.AddAfter(key, outcome.RequeueAfter);
                result = "requeue_after";
            }
            else if (outcome.Requeue)
            {
                Queue.AddRateLimited(key);
                result = "requeue";
            }
            else
            {
                Queue.Forget(key);
                result = "success";
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping (lost leadership or shutdown): the next leader reconciles the key from scratch.
            return;
        }
        catch (TerminalReconcileException e)
        {
            Queue.Forget(key);
            result = "error";
            _metrics.ReconcileErrors.WithLabels(Name).Inc();
            _metrics.TerminalReconcileErrors.WithLabels(Name).Inc();
            _logger.LogError(e, "Reconciler of {Controller} returned a terminal error for {Key}: {Reason}; not retrying", Name, key, e.Reason);
            await SurfaceAsync(key, e, cancellationToken);
        }
        catch (Exception e)
        {
            Queue.AddRateLimited(key);
            result = "error";
            _metrics.ReconcileErrors.WithLabels(Name).Inc();
            if (e is not KubernetesApiException)
            {
                _metrics.ReconcilePanics.WithLabels(Name).Inc();
            }

            _logger.LogError(e, "Reconciler of {Controller} failed for {Key}; retry {Retries} with backoff", Name, key, Queue.NumRequeues(key));
        }

        _reconcileTotal[result].Inc();
        _reconcileTime.Observe(_timeProvider.GetElapsedTime(started).TotalSeconds);
    }

    private async Task SurfaceAsync(ObjectKey key, TerminalReconcileException error, CancellationToken cancellationToken)
    {
        if (OnTerminalError is null)
        {
            return;
        }

        try
        {
            await OnTerminalError(key, error, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogError(e, "Could not surface the terminal error of {Key} in controller {Controller}", key, Name);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
