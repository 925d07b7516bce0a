namespace SuperCloud.NodeAgent.Qmp;

/// <summary>QEMU answered a command with an <c>error</c> reply.</summary>
/// <param name="command">The command QEMU rejected.</param>
/// <param name="errorClass">QEMU's error class, e.g. <c>GenericError</c> or <c>CommandNotFound</c>.</param>
/// <param name="description">QEMU's human-readable description.</param>
public sealed class QmpCommandException(string command, string errorClass, string description)
    : QmpException(command, $"QMP command '{command}' failed: {errorClass}: {description}")
{
    /// <summary>QEMU's error class, e.g. <c>GenericError</c> or <c>CommandNotFound</c>.</summary>
    public string ErrorClass { get; } = errorClass;

    /// <summary>QEMU's human-readable description of the error.</summary>
    public string Description { get; } = description;
}
