namespace SuperCloud.Bench.SpotReplay;

/// <summary>
/// How long things take in the replay. The migration figures come from the lab's measured migrations
/// (<c>supercloud-bench migration</c>: a guest moved through the node agents, pre-copy with a guest dirtying memory);
/// the cloud figures are the providers' published ones. See <c>bench/SpotReplay.md</c>.
/// </summary>
/// <param name="PreCopyFactor">Bytes pre-copy sends per byte of guest memory (lab: sent ÷ guest memory at the middle dirty rate).</param>
/// <param name="FixedTime">Start-up and switch-over time of a migration (lab: total time − bytes ÷ rate).</param>
/// <param name="Downtime">Guest pause at switch-over (lab: QEMU's reported downtime).</param>
/// <param name="InterRegionBytesPerSecond">Rate between regions (1 Gbit/s).</param>
/// <param name="IntraRegionBytesPerSecond">Rate between zones of one region (2.5 Gbit/s).</param>
/// <param name="Provision">EC2 launch to a ready node agent.</param>
/// <param name="RestartDowntime">A VM restarted elsewhere after its host is reclaimed: a new instance and a cold boot.</param>
/// <param name="Jitter">Log-normal sigma of real migration times around the prediction.</param>
/// <param name="Notice">The spot interruption notice.</param>
internal sealed record ReplayCalibration(
    double PreCopyFactor,
    TimeSpan FixedTime,
    TimeSpan Downtime,
    double InterRegionBytesPerSecond,
    double IntraRegionBytesPerSecond,
    TimeSpan Provision,
    TimeSpan RestartDowntime,
    double Jitter,
    TimeSpan Notice)
{
    public static ReplayCalibration Lab { get; } = new(
        PreCopyFactor: 1.3,
        FixedTime: TimeSpan.FromSeconds(3),
        Downtime: TimeSpan.FromMilliseconds(300),
        InterRegionBytesPerSecond: 125e6,
        IntraRegionBytesPerSecond: 312.5e6,
        Provision: TimeSpan.FromSeconds(60),
        RestartDowntime: TimeSpan.FromSeconds(150),
        Jitter: 0.2,
        Notice: TimeSpan.FromMinutes(2));

    public double Rate(SpotMarket from, SpotMarket to) => from.Region == to.Region ? IntraRegionBytesPerSecond : InterRegionBytesPerSecond;
}
