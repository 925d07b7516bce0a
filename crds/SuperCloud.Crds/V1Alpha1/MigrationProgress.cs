using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Counters of a memory transfer in progress.</summary>
public sealed class MigrationProgress
{
    /// <summary>Bytes of guest state sent so far.</summary>
    [Minimum(0)]
    public long? BytesSent { get; set; }

    /// <summary>Bytes still to send in the current iteration.</summary>
    [Minimum(0)]
    public long? BytesRemaining { get; set; }

    /// <summary>How fast the guest dirties memory, in bytes per second.</summary>
    [Minimum(0)]
    public long? DirtyRateBytesPerSecond { get; set; }

    /// <summary>Pre-copy iterations completed.</summary>
    [Minimum(0)]
    public int? Iterations { get; set; }

    /// <summary>How much auto-converge throttles the guest's vCPUs, in percent.</summary>
    [Minimum(0)]
    [Maximum(100)]
    public int? CpuThrottlePercent { get; set; }

    /// <summary>True once the migration switched to post-copy (the SuperPod runs on the target and pulls the remaining pages).</summary>
    public bool? PostCopy { get; set; }

    /// <summary>
    /// Bytes of the stream the target's agent received and verified, as last seen while the source's agent did not
    /// answer: the transfer shows its progress there too.
    /// </summary>
    [Minimum(0)]
    public long? BytesReceived { get; set; }

    /// <summary>When bytesSent (or bytesReceived) last grew: the progress timeout counts from here.</summary>
    public DateTime? LastProgressTime { get; set; }
}
