namespace SuperCloud.NativeShim;

/// <summary>The per-frame digest of the framed stream format.</summary>
public enum FrameDigest
{
    /// <summary>Decode: accept either algorithm; encode: XXH64.</summary>
    Any = 0,

    /// <summary>XXH64 seeded with the frame's sequence number.</summary>
    XxHash64 = 1,

    /// <summary>CRC32C (Castagnoli) over the sequence number and the payload.</summary>
    Crc32C = 2,
}
