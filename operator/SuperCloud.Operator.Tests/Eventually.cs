namespace SuperCloud.Operator.Tests;

/// <summary>Polls a condition with a deadline instead of sleeping a fixed time.</summary>
internal static class Eventually
{
    public static async Task UntilAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {because}");
            }

            await Task.Delay(10);
        }
    }
}
