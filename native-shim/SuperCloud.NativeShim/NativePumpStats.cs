using System.Runtime.InteropServices;

namespace SuperCloud.NativeShim;

/// <summary>Mirror of <c>sc_pump_stats</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativePumpStats
{
    public ulong BytesIn;
    public ulong BytesOut;
    public ulong PayloadBytes;
    public ulong Chunks;
    public ulong ThrottledNanoseconds;
    public int State;
    public int UsesSplice;
}
