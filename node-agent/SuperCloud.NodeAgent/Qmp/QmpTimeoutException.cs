namespace SuperCloud.NodeAgent.Qmp;

/// <summary>QEMU did not answer a command (or the greeting) within the allowed time, or is too far behind to be sent one.</summary>
public sealed class QmpTimeoutException : QmpException
{
    /// <param name="command">The command that got no reply (<c>greeting</c> for the connection handshake).</param>
    /// <param name="timeout">How long the client waited.</param>
    public QmpTimeoutException(string command, TimeSpan timeout)
        : this(command, timeout, $"QMP command '{command}' got no reply within {timeout.TotalSeconds:0.###} s")
    {
    }

    /// <param name="command">The command that got no reply or was not sent.</param>
    /// <param name="timeout">How long the client waited (zero when it did not send the command).</param>
    /// <param name="message">What happened.</param>
    public QmpTimeoutException(string command, TimeSpan timeout, string message)
        : base(command, message)
    {
        Timeout = timeout;
    }

    /// <summary>How long the client waited.</summary>
    public TimeSpan Timeout { get; }
}
