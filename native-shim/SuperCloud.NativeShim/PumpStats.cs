namespace SuperCloud.NativeShim;

/// <summary>Counters of a <see cref="ShimPump"/>, readable while it runs (for migration progress).</summary>
/// <param name="BytesIn">Bytes read from the input (frame headers included when decoding).</param>
/// <param name="BytesOut">Bytes written to the output (frame headers included when encoding).</param>
/// <param name="PayloadBytes">Payload bytes moved.</param>
/// <param name="Chunks">Copy steps (raw) or data frames (encode/decode) completed.</param>
/// <param name="Throttled">Time spent waiting for pacing tokens.</param>
/// <param name="State">Life-cycle state.</param>
/// <param name="UsesSplice">True when the data path is splice rather than buffered copies.</param>
public readonly record struct PumpStats(
    long BytesIn,
    long BytesOut,
    long PayloadBytes,
    long Chunks,
    TimeSpan Throttled,
    PumpState State,
    bool UsesSplice);
