namespace SuperCloud.Operator.Runtime;

/// <summary>
/// client-go's default controller rate limiter: the larger of a per-item exponential backoff
/// (<see cref="BaseDelay"/> doubling up to <see cref="MaxDelay"/>) and an overall token bucket shared by all items.
/// </summary>
/// <typeparam name="T">The item type (usually <see cref="ObjectKey"/>).</typeparam>
public sealed class RateLimiter<T>
    where T : notnull
{
    private readonly Lock _lock = new();
    private readonly Dictionary<T, int> _failures = [];
    private readonly TimeProvider _timeProvider;
    private double _tokens;
    private long _lastRefill;

    /// <summary>Creates a rate limiter; defaults are client-go's (5 ms to 1000 s per item, 10 qps with a burst of 100 overall).</summary>
    public RateLimiter(TimeProvider timeProvider, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null, double qps = 10, int burst = 100)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(qps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        BaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(5);
        MaxDelay = maxDelay ?? TimeSpan.FromSeconds(1000);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BaseDelay, TimeSpan.Zero, nameof(baseDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, BaseDelay, nameof(maxDelay));
        Qps = qps;
        Burst = burst;
        _timeProvider = timeProvider;
        _tokens = burst;
        _lastRefill = timeProvider.GetTimestamp();
    }

    /// <summary>The first per-item retry delay.</summary>
    public TimeSpan BaseDelay { get; }

    /// <summary>The cap of the per-item retry delay.</summary>
    public TimeSpan MaxDelay { get; }

    /// <summary>The sustained rate of the overall token bucket, in items per second.</summary>
    public double Qps { get; }

    /// <summary>The overall token bucket's size.</summary>
    public int Burst { get; }

    /// <summary>Records one more failure of <paramref name="item"/> and returns how long to wait before retrying it.</summary>
    public TimeSpan When(T item)
    {
        lock (_lock)
        {
            _failures.TryGetValue(item, out var failures);
            _failures[item] = failures + 1;
            return Max(ItemDelay(failures), ReserveToken());
        }
    }

    /// <summary>How many times <paramref name="item"/> failed since it was last forgotten.</summary>
    public int NumRequeues(T item)
    {
        lock (_lock)
        {
            return _failures.GetValueOrDefault(item);
        }
    }

    /// <summary>Resets the backoff of <paramref name="item"/> (after it succeeded or was given up on).</summary>
    public void Forget(T item)
    {
        lock (_lock)
        {
            _failures.Remove(item);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private TimeSpan ItemDelay(int previousFailures)
    {
        // 2^n overflows long before it reaches MaxDelay's scale; compare in doubles and cap.
        var delay = BaseDelay.TotalSeconds * Math.Pow(2, previousFailures);
        return delay >= MaxDelay.TotalSeconds ? MaxDelay : TimeSpan.FromSeconds(delay);
    }

    private TimeSpan ReserveToken()
    {
        // A reservation like golang.org/x/time/rate: the bucket may go negative, and the debt is the wait.
        var now = _timeProvider.GetTimestamp();
        var elapsed = _timeProvider.GetElapsedTime(_lastRefill, now).TotalSeconds;
        _lastRefill = now;
        _tokens = Math.Min(Burst, _tokens + (elapsed * Qps));
        _tokens -= 1;
        return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / Qps);
    }
}
