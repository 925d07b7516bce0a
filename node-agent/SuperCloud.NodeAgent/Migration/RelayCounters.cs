namespace SuperCloud.NodeAgent.Migration;

/// <summary>Bytes a relay moved: payload and framed bytes sent to the peer, payload and framed bytes received and verified.</summary>
internal sealed record RelayCounters(long SentPayloadBytes, long SentWireBytes, long ReceivedPayloadBytes, long ReceivedWireBytes);
