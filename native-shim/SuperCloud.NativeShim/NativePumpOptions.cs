using System.Runtime.InteropServices;

namespace SuperCloud.NativeShim;

/// <summary>Mirror of <c>sc_pump_options</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativePumpOptions
{
    public int Mode;
    public int Digest;
    public uint ChunkSize;
    public uint Flags;
    public ulong RateBytesPerSecond;
    public ulong BurstBytes;
}
