using System.Diagnostics;

namespace SuperCloud.E2E.Tests;

/// <summary>Waits for a condition by polling it with a deadline: tests never sleep for a fixed time.</summary>
internal static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    /// <summary>Polls <paramref name="condition"/> (every 250 ms unless <paramref name="interval"/> says otherwise) until true; throws naming <paramref name="what"/> with <paramref name="diagnostics"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string> diagnostics, TimeSpan? interval = null)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {what}\n{diagnostics()}");
            }

            await Task.Delay(interval ?? Interval);
        }
    }
}
