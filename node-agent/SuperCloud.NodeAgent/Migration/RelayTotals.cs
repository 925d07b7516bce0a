namespace SuperCloud.NodeAgent.Migration;

/// <summary>The payload and framed bytes of the stream this agent sent for a migration (source: the VM's state).</summary>
/// <param name="PayloadBytes">Payload bytes through the stream pump.</param>
/// <param name="WireBytes">Framed bytes, headers and digests included.</param>
public sealed record RelayTotals(long PayloadBytes, long WireBytes)
{
    /// <summary>Nothing moved.</summary>
    public static readonly RelayTotals Zero = new(0, 0);
}
