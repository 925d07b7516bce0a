namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// Runs the in-server controllers (garbage collector, namespace and CRD cleanup) promptly after every change, and
/// retries a failed pass after a backoff on the injected clock.
/// </summary>
internal sealed class ClusterControllers : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(10);

    private readonly WakeSignal _signal = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly IReadOnlyList<Func<bool>> _reconcilers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ClusterControllers(ResourceOperations operations, TimeProvider time, ILogger logger, string? rootCaPem = null)
        : this(operations.Store, Reconcilers(operations, rootCaPem), time, logger)
    {
    }

    /// <summary>Runs <paramref name="reconcilers"/> (each returns true when it changed something) after every change of <paramref name="store"/>.</summary>
    internal ClusterControllers(ObjectStore store, IReadOnlyList<Func<bool>> reconcilers, TimeProvider time, ILogger logger)
    {
        _reconcilers = reconcilers;
        _time = time;
        _logger = logger;
        store.Changed += _signal.Set;
        _loop = Task.Run(() => RunAsync(_stop.Token));

        // A loaded snapshot may hold unfinished deletions: run one pass at start.
        _signal.Set();
    }

    private static IReadOnlyList<Func<bool>> Reconcilers(ResourceOperations operations, string? rootCaPem)
    {
        var crds = new CustomResourceCleanup(operations);
        var namespaces = new NamespaceController(operations);
        var gc = new GarbageCollector(operations);
        return rootCaPem is null
            ? [crds.Reconcile, namespaces.Reconcile, gc.Reconcile]
            : [crds.Reconcile, namespaces.Reconcile, gc.Reconcile, new RootCaPublisher(operations, rootCaPem).Reconcile];
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await WaitAsync(failures, cancellationToken);
                for (var pass = 0; pass < 1000 && RunPass(); pass++)
                {
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A controller failure must not stop the loop; it is logged and retried after a backoff.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures++;
                _logger.LogError(e, "Controller pass failed; retrying in {Delay}", Backoff(failures));
            }
        }
    }

    /// <summary>One pass of every controller (all run, even when an earlier one made progress); true when any changed something.</summary>
    private bool RunPass()
    {
        var progress = false;
        foreach (var reconcile in _reconcilers)
        {
            progress |= reconcile();
        }

        return progress;
    }

    /// <summary>
    /// Waits for the next change; after a failed pass also for the backoff to elapse, because the failure may need no
    /// further write to clear (a transient fault) and an idle cluster would otherwise leave the work undone.
    /// </summary>
    private async Task WaitAsync(int failures, CancellationToken cancellationToken)
    {
        if (failures == 0)
        {
            await _signal.WaitAsync(cancellationToken);
            return;
        }

        using var backoff = new CancellationTokenSource(Backoff(failures), _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, backoff.Token);
        try
        {
            await _signal.WaitAsync(either.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The backoff elapsed without a change: retry anyway.
        }
    }

    /// <summary>100 ms after the first failure, doubling up to 10 s.</summary>
    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(MaxRetry.Ticks, FirstRetry.Ticks << Math.Min(failures - 1, 16)));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _stop.Dispose();
        _signal.Dispose();
    }
}
