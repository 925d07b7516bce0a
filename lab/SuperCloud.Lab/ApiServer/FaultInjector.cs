namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// Fault injection for tests (a C# API, never reachable over HTTP): failing requests, closing watches,
/// compacting the watch history and adding latency.
/// </summary>
public sealed class FaultInjector
{
    private readonly Lock _gate = new();
    private readonly List<Rule> _rules = [];
    private readonly Action _closeWatches;
    private readonly Action _compact;
    private long _latencyTicks;

    internal FaultInjector(Action closeWatches, Action compact)
    {
        _closeWatches = closeWatches;
        _compact = compact;
    }

    /// <summary>Latency added before every API request is handled; zero by default.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    /// <summary>
    /// Fails the next <paramref name="count"/> requests whose path contains <paramref name="pathContains"/>
    /// (any path when null) and whose verb is <paramref name="verb"/> (kube verbs: get, list, watch, create,
    /// update, patch, delete, deletecollection; any when null) with <paramref name="statusCode"/>.
    /// </summary>
    public void FailNext(int count, int statusCode, string? pathContains = null, string? verb = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        lock (_gate)
        {
            _rules.Add(new Rule(pathContains, verb, statusCode) { Remaining = count });
        }
    }

    /// <summary>Ends every open watch stream (clients see the stream end and must re-watch).</summary>
    public void CloseAllWatches() => _closeWatches();

    /// <summary>Drops the watch history: watches from any earlier resourceVersion get 410 Gone.</summary>
    public void CompactHistory() => _compact();

    /// <summary>Removes all pending failure rules and the latency.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _rules.Clear();
        }

        Latency = TimeSpan.Zero;
    }

    /// <summary>The status code to fail this request with, consuming one use of the first matching rule.</summary>
    internal int? Consume(string path, string verb)
    {
        lock (_gate)
        {
            var rule = _rules.FirstOrDefault(r =>
                (r.PathContains is null || path.Contains(r.PathContains, StringComparison.Ordinal)) &&
                (r.Verb is null || string.Equals(r.Verb, verb, StringComparison.OrdinalIgnoreCase)));
            if (rule is null)
            {
                return null;
            }

            if (--rule.Remaining == 0)
            {
                _rules.Remove(rule);
            }

            return rule.StatusCode;
        }
    }

    private sealed record Rule(string? PathContains, string? Verb, int StatusCode)
    {
        public int Remaining { get; set; }
    }
}
