using System.Diagnostics;
using System.Globalization;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// Watches one SuperPod for the whole of a test: every 200 ms it finds every QEMU process of its guest on every host (by
/// the guest's name in /proc and the process's network namespace) and asks each whether its guest runs. A sample in
/// which two run is the failure this exists to catch: a VM running twice.
/// </summary>
internal sealed class RunningCopiesWatch : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private readonly Roamer _pod;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Sample> _samples = [];
    private readonly Lock _lock = new();
    private readonly Task _loop;

    private RunningCopiesWatch(Roamer pod)
    {
        _pod = pod;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Starts watching <paramref name="pod"/> (which must have started, so its uid is known).</summary>
    public static RunningCopiesWatch Start(Roamer pod) => new(pod);

    /// <summary>The samples so far.</summary>
    public IReadOnlyList<Sample> Samples
    {
        get
        {
            lock (_lock)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>The hosts whose copy ran in the latest sample.</summary>
    public IReadOnlyList<string> RunningNow => Samples is [.., var last] ? last.Running : [];

    /// <summary>Stops and returns every sample; throws when a sample saw two copies run at once.</summary>
    public async Task<IReadOnlyList<Sample>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        var samples = Samples;
        var twice = samples.Where(s => s.Running.Count > 1).ToList();
        twice.Should().BeEmpty($"the VM never runs on two hosts at once; it did at {string.Join("; ", twice.Take(5))}");
        return samples;
    }

    /// <summary>A summary for the test output.</summary>
    public string Describe()
    {
        var samples = Samples;
        var runs = samples.SelectMany(s => s.Running).GroupBy(h => h).Select(g => $"{g.Key} running in {g.Count()}");
        return string.Create(CultureInfo.InvariantCulture,
            $"{samples.Count} samples over {(samples.Count > 1 ? samples[^1].At - samples[0].At : TimeSpan.Zero).TotalSeconds:0} s ({string.Join(", ", runs)}); at most {samples.Select(s => s.Processes).DefaultIfEmpty(0).Max()} QEMU processes at once, {samples.Count(s => s.Unanswered > 0)} samples with a QEMU that could not be asked");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var clock = Stopwatch.StartNew();
        while (!_stop.IsCancellationRequested)
        {
            var started = clock.Elapsed;
            var processes = _pod.QemuProcesses();
            var running = new List<string>();
            var unanswered = 0;
            foreach (var (pid, host) in processes)
            {
                var answer = QemuRunState.ObserverSocket(pid) is { } socket ? await QemuRunState.IsRunningAsync(socket) : null;
                if (answer == true)
                {
                    running.Add(host);
                }
                else if (answer is null)
                {
                    unanswered++;
                }
            }

            lock (_lock)
            {
                _samples.Add(new Sample(started, processes.Count, running, unanswered));
            }

            var wait = Interval - (clock.Elapsed - started);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One look at every copy: when, how many QEMU processes, which hosts' guests ran, how many could not be asked.</summary>
    internal sealed record Sample(TimeSpan At, int Processes, IReadOnlyList<string> Running, int Unanswered)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{At.TotalSeconds:0.0} s: {string.Join(", ", Running)} of {Processes}");
    }
}
