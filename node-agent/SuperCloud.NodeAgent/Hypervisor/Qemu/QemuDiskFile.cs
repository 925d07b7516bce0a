namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>One disk of a VM as QEMU opens it: a qcow2 overlay in the VM's directory on an optional read-only base from the cache.</summary>
/// <param name="Name">The disk's name (the guest sees it as the serial).</param>
/// <param name="Overlay">The VM's writable qcow2 file.</param>
/// <param name="Base">The image's disk in the cache, or null for an empty disk.</param>
/// <param name="Boot">The VM boots from this disk.</param>
internal sealed record QemuDiskFile(string Name, string Overlay, string? Base, bool Boot)
{
    /// <summary>The QEMU block node of the disk (the overlay's format node); migration mirrors and exports it.</summary>
    public static string NodeName(int index) => $"disk{index}";
}
