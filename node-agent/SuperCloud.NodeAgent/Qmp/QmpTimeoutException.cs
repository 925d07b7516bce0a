namespace SuperCloud.NodeAgent.Qmp;

/// <summary>QEMU did not answer a command (or the greeting) within the allowed time.</summary>
/// <param name="command">The command that got no reply (<c>greeting</c> for the connection handshake).</param>
/// <param name="timeout">How long the client waited.</param>
public sealed class QmpTimeoutException(string command, TimeSpan timeout)
    : QmpException(command, $"QMP command '{command}' got no reply within {timeout.TotalSeconds:0.###} s")
{
    /// <summary>How long the client waited.</summary>
    public TimeSpan Timeout { get; } = timeout;
}
