namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>A source hypervisor's view of a VM's disk mirror.</summary>
/// <param name="TransferredBytes">Bytes mirrored so far, all disks.</param>
/// <param name="RemainingBytes">Bytes still to mirror (grows when the guest writes where the mirror has not been).</param>
/// <param name="Ready">Every disk is in sync; writes are now copied as they happen.</param>
/// <param name="Error">Why the mirror failed (a disk's job ended with an error or vanished), or null.</param>
public sealed record DiskMirrorInfo(long TransferredBytes, long RemainingBytes, bool Ready, string? Error)
{
    /// <summary>No disk is mirrored.</summary>
    public static readonly DiskMirrorInfo None = new(0, 0, true, null);
}
