namespace SuperCloud.Lab.ApiServer;

/// <summary>Wakes one background loop: the signals given while it works wake it once more, not once each.</summary>
internal sealed class WakeSignal : IDisposable
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    /// <summary>Wakes the loop now, or at its next wait when it is busy.</summary>
    public void Set()
    {
        if (_semaphore.CurrentCount == 0)
        {
            try
            {
                _semaphore.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another writer signalled first; one pending pass is enough.
            }
        }
    }

    /// <summary>Waits until <see cref="Set"/> was called since the last wait ended.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _semaphore.WaitAsync(cancellationToken);

    public void Dispose() => _semaphore.Dispose();
}
