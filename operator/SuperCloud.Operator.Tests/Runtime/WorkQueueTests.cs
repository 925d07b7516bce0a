using Microsoft.Extensions.Time.Testing;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Runtime;

public sealed class WorkQueueTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task Adding_an_item_already_waiting_does_not_duplicate_it()
    {
        using var queue = NewQueue();

        queue.Add("a");
        queue.Add("b");
        queue.Add("a");

        queue.Count.Should().Be(2);
        (await queue.GetAsync(CancellationToken.None)).Item.Should().Be("a");
        (await queue.GetAsync(CancellationToken.None)).Item.Should().Be("b");
        queue.Count.Should().Be(0);
    }

    [Fact]
    public async Task Item_added_while_processing_is_handed_out_again_only_after_Done()
    {
        using var queue = NewQueue();
        queue.Add("a");
        var (first, _) = await queue.GetAsync(CancellationToken.None);

        queue.Add("a");
        queue.Add("a");
        var second = queue.GetAsync(CancellationToken.None);

        // Add is synchronous: a dirty key that is still being processed is not queued, so nothing can complete the wait.
        queue.Count.Should().Be(0);
        second.IsCompleted.Should().BeFalse("a key being processed must not reach a second worker");

        queue.Done(first);
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Item.Should().Be("a");
        queue.Done("a");
        queue.Count.Should().Be(0, "the two adds during processing collapse into one");
    }

    [Fact]
    public async Task Concurrent_workers_never_process_the_same_key_at_once_and_lose_no_update()
    {
        using var queue = new WorkQueue<int>("stress", new RateLimiter<int>(TimeProvider.System), TimeProvider.System);
        var inFlight = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var violations = 0;
        var lastSeenVersion = new int[8];
        var latestVersion = new int[8];
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (key, shutdown) = await queue.GetAsync(CancellationToken.None);
                if (shutdown)
                {
                    return;
                }

                if (!inFlight.TryAdd(key, 0))
                {
                    Interlocked.Increment(ref violations);
                }

                Volatile.Write(ref lastSeenVersion[key], Volatile.Read(ref latestVersion[key]));
                await Task.Yield();
                inFlight.TryRemove(key, out int _);
                queue.Done(key);
            }
        })).ToArray();

        for (var i = 0; i < 5000; i++)
        {
            var key = i % 8;
            Interlocked.Increment(ref latestVersion[key]);
            queue.Add(key);
        }

        await Eventually.UntilAsync(
            () => Enumerable.Range(0, 8).All(k => Volatile.Read(ref lastSeenVersion[k]) == Volatile.Read(ref latestVersion[k])),
            "every key was processed after its last change");
        queue.ShutDown();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(5));
        violations.Should().Be(0);
    }

    [Fact]
    public void AddAfter_delivers_the_item_when_the_clock_reaches_the_delay()
    {
        using var queue = NewQueue();

        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        _clock.Advance(TimeSpan.FromSeconds(9));
        queue.Count.Should().Be(0);
        _clock.Advance(TimeSpan.FromSeconds(1));

        queue.Count.Should().Be(1);
    }

    [Fact]
    public async Task AddAfter_keeps_the_earliest_pending_delay_and_delivers_once()
    {
        using var queue = NewQueue();

        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(3));
        queue.AddAfter("a", TimeSpan.FromSeconds(20));
        _clock.Advance(TimeSpan.FromSeconds(3));
        queue.Count.Should().Be(1);
        var (item, _) = await queue.GetAsync(CancellationToken.None);
        queue.Done(item);
        _clock.Advance(TimeSpan.FromSeconds(30));

        queue.Count.Should().Be(0);
    }

    [Fact]
    public void AddRateLimited_follows_the_backoff_curve_until_forgotten()
    {
        using var queue = NewQueue();

        queue.AddRateLimited("a");
        _clock.Advance(TimeSpan.FromMilliseconds(4));
        queue.Count.Should().Be(0);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        queue.Count.Should().Be(1);

        queue.NumRequeues("a").Should().Be(1);
        queue.Forget("a");
        queue.NumRequeues("a").Should().Be(0);
    }

    [Fact]
    public async Task Second_retry_waits_twice_as_long_as_the_first()
    {
        using var queue = NewQueue();
        queue.AddRateLimited("a");
        _clock.Advance(TimeSpan.FromMilliseconds(5));
        var (item, _) = await queue.GetAsync(CancellationToken.None);
        queue.Done(item);

        queue.AddRateLimited("a");
        _clock.Advance(TimeSpan.FromMilliseconds(9));
        queue.Count.Should().Be(0);
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        queue.Count.Should().Be(1);
    }

    [Fact]
    public async Task ShutDown_wakes_waiting_workers_and_ignores_later_adds()
    {
        using var queue = NewQueue();
        var waiting = queue.GetAsync(CancellationToken.None);

        queue.ShutDown();
        queue.Add("a");
        queue.AddAfter("b", TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromSeconds(2));

        (await waiting.WaitAsync(TimeSpan.FromSeconds(5))).Shutdown.Should().BeTrue();
        (await queue.GetAsync(CancellationToken.None)).Shutdown.Should().BeTrue();
        queue.Count.Should().Be(0);
    }

    [Fact]
    public async Task ShutDownWithDrain_waits_for_items_in_processing()
    {
        using var queue = NewQueue();
        queue.Add("a");
        var (item, _) = await queue.GetAsync(CancellationToken.None);

        var drain = queue.ShutDownWithDrainAsync(CancellationToken.None);
        drain.IsCompleted.Should().BeFalse("an item is still being processed");
        queue.Done(item);

        await drain.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Cancelled_get_does_not_swallow_an_item()
    {
        using var queue = NewQueue();
        using var cts = new CancellationTokenSource();
        var cancelled = queue.GetAsync(cts.Token);

        await cts.CancelAsync();
        await cancelled.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        queue.Add("a");

        (await queue.GetAsync(CancellationToken.None)).Item.Should().Be("a");
    }

    private WorkQueue<string> NewQueue() =>
        new("test", new RateLimiter<string>(_clock, qps: 1e9, burst: int.MaxValue), _clock);
}
