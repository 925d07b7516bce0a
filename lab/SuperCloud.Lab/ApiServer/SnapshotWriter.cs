namespace SuperCloud.Lab.ApiServer;

/// <summary>Writes the snapshot a short debounce after changes, and once more on shutdown.</summary>
internal sealed class SnapshotWriter : IAsyncDisposable
{
    private readonly ObjectStore _store;
    private readonly string _path;
    private readonly TimeSpan _debounce;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public SnapshotWriter(ObjectStore store, string path, TimeSpan debounce, TimeProvider time, ILogger logger)
    {
        _logger = logger;
        _store = store;
        _path = path;
        _debounce = debounce;
        _time = time;
        store.Changed += Signal;
        _loop = Task.Run(() => RunAsync(_stop.Token));
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
                // Already signalled.
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
                await Task.Delay(_debounce, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                Write();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A full disk or a locked file must not end persistence for good: the next change retries.
                _logger.LogError(e, "Writing the API server snapshot {Path} failed; retrying on the next change", _path);
            }
        }
    }

    private void Write()
    {
        var (rv, objects) = _store.Export();
        SnapshotFile.Save(_path, rv, objects);
    }

    public async ValueTask DisposeAsync()
    {
        _store.Changed -= Signal;
        await _stop.CancelAsync();
        await _loop;
        Write();
        _stop.Dispose();
        _signal.Dispose();
    }
}
