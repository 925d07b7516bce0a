using System.Runtime.InteropServices;

namespace SuperCloud.NativeShim;

/// <summary>Mirror of <c>sc_xen_physinfo</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeXenPhysInfo
{
    public uint NrCpus;
    public uint NrNodes;
    public uint ThreadsPerCore;
    public uint CoresPerSocket;
    public uint CpuKhz;
    public uint Reserved;
    public ulong TotalPages;
    public ulong FreePages;
    public ulong PageSize;
}
