namespace SuperCloud.Lab.ApiServer;

/// <summary>Runs the in-server controllers (garbage collector, namespace and CRD cleanup) promptly after every change.</summary>
internal sealed class ClusterControllers : IAsyncDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly GarbageCollector _gc;
    private readonly NamespaceController _namespaces;
    private readonly CustomResourceCleanup _crds;
    private readonly ILogger _logger;

    public ClusterControllers(ResourceOperations operations, ILogger logger)
    {
        _gc = new GarbageCollector(operations);
        _namespaces = new NamespaceController(operations);
        _crds = new CustomResourceCleanup(operations);
        _logger = logger;
        operations.Store.Changed += Signal;
        _loop = Task.Run(() => RunAsync(_stop.Token));

        // A loaded snapshot may hold unfinished deletions: run one pass at start.
        Signal();
    }

    private void Signal()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another writer signalled first; one pending pass is enough.
            }
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(cancellationToken);
                for (var pass = 0; pass < 1000 && (_crds.Reconcile() | _namespaces.Reconcile() | _gc.Reconcile()); pass++)
                {
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A controller failure must not stop the loop; it is logged and retried on the next change.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _logger.LogError(e, "Controller pass failed");
            }
        }
    }

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
