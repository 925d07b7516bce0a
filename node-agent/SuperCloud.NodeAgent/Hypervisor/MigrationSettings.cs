namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>How the hypervisor should run one live migration (both ends get the same settings).</summary>
/// <param name="BandwidthBytesPerSecond">Transfer rate limit; 0 means unlimited.</param>
/// <param name="MaxDowntime">The longest pause the hypervisor may plan for the final copy.</param>
/// <param name="AllowAutoConverge">Throttle the guest's vCPUs when it dirties memory faster than it can be sent.</param>
/// <param name="AllowPostCopy">Allow switching to post-copy (requires the capability on both ends before the transfer).</param>
/// <param name="CompletionTimeout">The migration's completion timeout, when the operator gave one: the target's token expires after it.</param>
public sealed record MigrationSettings(long BandwidthBytesPerSecond, TimeSpan MaxDowntime, bool AllowAutoConverge, bool AllowPostCopy, TimeSpan? CompletionTimeout = null)
{
    /// <summary>The longest downtime a hypervisor is asked to plan for (QEMU's own upper bound is 2,000 s).</summary>
    public static readonly TimeSpan MaxAllowedDowntime = TimeSpan.FromMinutes(5);

    /// <summary>Returns the problems in these settings, each naming its field.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (BandwidthBytesPerSecond < 0)
        {
            errors.Add($"bandwidth must not be negative, got {BandwidthBytesPerSecond}");
        }

        if (MaxDowntime <= TimeSpan.Zero || MaxDowntime > MaxAllowedDowntime)
        {
            errors.Add($"max downtime must be between 1 ms and {MaxAllowedDowntime.TotalSeconds:0} s, got {MaxDowntime.TotalMilliseconds:0} ms");
        }

        if (CompletionTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            errors.Add($"completion timeout must be positive, got {timeout.TotalMilliseconds:0} ms");
        }

        return errors;
    }
}
