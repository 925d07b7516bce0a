using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using SuperCloud.Lab.ApiServer;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>The in-server controller loop: a failed pass is retried after a backoff even when nothing else is written.</summary>
public sealed class ClusterControllersTests
{
    [Fact]
    public async Task Failed_pass_is_retried_after_the_backoff_without_a_further_write()
    {
        var time = new FakeTimeProvider();
        using var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        var calls = 0;
        bool FailOnce() => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("transient fault") : false;

        await using (new ClusterControllers(new ObjectStore(100, 100), [FailOnce], time, loggerFactory.CreateLogger("controllers")))
        {
            await PollAsync(() => logs.Entries.Any(e => e.Level == LogLevel.Error && e.Exception?.Message == "transient fault"), () => { });
            Volatile.Read(ref calls).Should().Be(1, "nothing retries before the clock moves and nothing was written");

            // The loop may not have armed its backoff timer yet when we first advance: keep moving the fake clock.
            await PollAsync(() => Volatile.Read(ref calls) >= 2, () => time.Advance(TimeSpan.FromMilliseconds(200)));
        }

        logs.Entries.Count(e => e.Level == LogLevel.Error).Should().Be(1, "the retried pass succeeded");
    }

    private static async Task PollAsync(Func<bool> condition, Action step)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the condition should hold within 15 s");
            step();
            await Task.Delay(20);
        }
    }
}
