namespace SuperCloud.NativeShim;

/// <summary>Options of a <see cref="ShimPump"/>; the defaults copy raw bytes without pacing.</summary>
public sealed record PumpOptions
{
    /// <summary>What the pump does with the bytes.</summary>
    public PumpMode Mode { get; init; } = PumpMode.Raw;

    /// <summary>Frame digest (encode/decode only).</summary>
    public FrameDigest Digest { get; init; } = FrameDigest.Any;

    /// <summary>Bytes per copy step / frame; 0 means 1 MiB.</summary>
    public int ChunkSize { get; init; }

    /// <summary>Payload byte rate limit; 0 means unlimited.</summary>
    public long RateBytesPerSecond { get; init; }

    /// <summary>Token bucket depth; 0 means 250 ms of the rate.</summary>
    public long BurstBytes { get; init; }

    /// <summary>Forces buffered copies even where splice would work.</summary>
    public bool DisableSplice { get; init; }

    /// <summary>Converts to the native layout, rejecting values the native type cannot hold.</summary>
    internal NativePumpOptions ToNative()
    {
        if (!Enum.IsDefined(Mode))
        {
            throw new ArgumentOutOfRangeException(nameof(Mode), Mode, "Mode must be Raw, Encode or Decode.");
        }

        if (!Enum.IsDefined(Digest))
        {
            throw new ArgumentOutOfRangeException(nameof(Digest), Digest, "Digest must be Any, XxHash64 or Crc32C.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(ChunkSize, nameof(ChunkSize));
        ArgumentOutOfRangeException.ThrowIfNegative(RateBytesPerSecond, nameof(RateBytesPerSecond));
        ArgumentOutOfRangeException.ThrowIfNegative(BurstBytes, nameof(BurstBytes));
        return new NativePumpOptions
        {
            Mode = (int)Mode,
            Digest = (int)Digest,
            ChunkSize = (uint)ChunkSize,
            Flags = DisableSplice ? 1u : 0u,
            RateBytesPerSecond = (ulong)RateBytesPerSecond,
            BurstBytes = (ulong)BurstBytes,
        };
    }
}
