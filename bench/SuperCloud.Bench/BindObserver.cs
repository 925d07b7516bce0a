using System.Collections.Concurrent;
using System.Diagnostics;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Bench;

/// <summary>
/// Timestamps, through a watch of its own (as a user's <c>kubectl get -w</c> would see it), the moment each SuperPod is
/// first seen with status.node set, and lets the caller wait until a set of SuperPods is bound.
/// </summary>
internal sealed class BindObserver(ResourceClient<SuperPod> pods)
{
    private readonly ConcurrentDictionary<ObjectKey, long> _bound = new();
    private readonly Lock _lock = new();
    private HashSet<ObjectKey> _waitingFor = [];
    private TaskCompletionSource? _allBound;

    /// <summary>Watches from <paramref name="fromVersion"/> until cancelled.</summary>
    public async Task RunAsync(string fromVersion, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in ResumingWatch.EventsAsync(pods, fromVersion, cancellationToken))
            {
                if (string.IsNullOrEmpty(e.Entity!.Status?.Node))
                {
                    continue;
                }

                var key = ObjectKey.From(e.Entity);
                if (!_bound.TryAdd(key, Stopwatch.GetTimestamp()))
                {
                    continue;
                }

                lock (_lock)
                {
                    if (_waitingFor.Remove(key) && _waitingFor.Count == 0)
                    {
                        _allBound?.TrySetResult();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Whether <paramref name="key"/> was seen bound.</summary>
    public bool IsBound(ObjectKey key) => _bound.ContainsKey(key);

    /// <summary>The <see cref="Stopwatch"/> timestamp at which <paramref name="key"/> was first seen bound.</summary>
    public long BoundAt(ObjectKey key) =>
        _bound.TryGetValue(key, out var at) ? at : throw new InvalidOperationException($"SuperPod {key} was not seen bound");

    /// <summary>Waits until every SuperPod of <paramref name="keys"/> was seen bound; a timeout names how many were not.</summary>
    public async Task WaitForAsync(IReadOnlyCollection<ObjectKey> keys, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task all;
        lock (_lock)
        {
            _waitingFor = [.. keys.Where(k => !_bound.ContainsKey(k))];
            _allBound = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_waitingFor.Count == 0)
            {
                _allBound.TrySetResult();
            }

            all = _allBound.Task;
        }

        try
        {
            await all.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            int left;
            string sample;
            lock (_lock)
            {
                left = _waitingFor.Count;
                sample = string.Join(", ", _waitingFor.Take(5));
            }

            throw new TimeoutException($"{left} of {keys.Count} SuperPods were not bound within {timeout} (e.g. {sample})");
        }
    }
}
