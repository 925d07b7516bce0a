namespace SuperCloud.NativeShim;

/// <summary>The native digests of the frame format, for tools and tests that check frames independently.</summary>
public static class FrameDigests
{
    /// <summary>XXH64 of <paramref name="data"/> with <paramref name="seed"/>.</summary>
    public static unsafe ulong XxHash64(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        fixed (byte* p = data)
        {
            return NativeMethods.sc_xxh64(p, (nuint)data.Length, seed);
        }
    }

    /// <summary>CRC32C of <paramref name="data"/>, continuing from <paramref name="crc"/> (0 to start).</summary>
    public static unsafe uint Crc32C(ReadOnlySpan<byte> data, uint crc = 0)
    {
        fixed (byte* p = data)
        {
            return NativeMethods.sc_crc32c(crc, p, (nuint)data.Length);
        }
    }
}
