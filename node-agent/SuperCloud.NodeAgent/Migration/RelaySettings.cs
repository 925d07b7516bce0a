namespace SuperCloud.NodeAgent.Migration;

/// <summary>How a <see cref="MigrationRelay"/> moves its outgoing stream.</summary>
/// <param name="ChunkSize">Payload bytes per frame of the shim pump; 0 means the pump's default (1 MiB).</param>
/// <param name="RateBytesPerSecond">Pacing of the outgoing payload; 0 means unlimited.</param>
/// <param name="CorruptOutgoingByteAt">Fault injection: flip one byte at this offset of the outgoing framed stream; -1 never.</param>
internal sealed record RelaySettings(int ChunkSize, long RateBytesPerSecond, long CorruptOutgoingByteAt);
