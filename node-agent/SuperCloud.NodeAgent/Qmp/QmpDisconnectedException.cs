namespace SuperCloud.NodeAgent.Qmp;

/// <summary>The QMP connection closed (QEMU exited or the socket broke) before a command got its reply.</summary>
/// <param name="command">The command in flight, or null when no command was involved.</param>
/// <param name="reason">Why the connection is considered closed.</param>
/// <param name="innerException">The socket error, if any.</param>
public sealed class QmpDisconnectedException(string? command, string reason, Exception? innerException = null)
    : QmpException(command, command is null ? $"QMP connection closed: {reason}" : $"QMP command '{command}' failed: connection closed: {reason}", innerException);
