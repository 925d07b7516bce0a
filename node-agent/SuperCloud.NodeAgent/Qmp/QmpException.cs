namespace SuperCloud.NodeAgent.Qmp;

/// <summary>Base of every error raised by <see cref="QmpClient"/>; names the command when there is one.</summary>
public class QmpException : Exception
{
    /// <summary>Creates an error for <paramref name="command"/> (null for connection-level errors).</summary>
    public QmpException(string? command, string message, Exception? innerException = null)
        : base(message, innerException) => Command = command;

    /// <summary>Creates an error without a command.</summary>
    public QmpException() : this(null, "QMP error") { }

    /// <summary>Creates an error without a command.</summary>
    public QmpException(string message) : this(null, message) { }

    /// <summary>Creates an error without a command.</summary>
    public QmpException(string message, Exception innerException) : this(null, message, innerException) { }

    /// <summary>The QMP command that failed, or null when the connection itself failed.</summary>
    public string? Command { get; }
}
