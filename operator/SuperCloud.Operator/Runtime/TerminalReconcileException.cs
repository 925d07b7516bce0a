namespace SuperCloud.Operator.Runtime;

/// <summary>An error that retrying cannot fix (invalid spec, unsupported request): logged and surfaced, never retried.</summary>
public sealed class TerminalReconcileException : Exception
{
    /// <summary>Creates a terminal error with a user-facing message.</summary>
    public TerminalReconcileException(string message)
        : base(message)
    {
    }

    /// <summary>Creates a terminal error with a machine-readable reason for the surfaced condition.</summary>
    public TerminalReconcileException(string reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    /// <summary>Creates a terminal error wrapping its cause.</summary>
    public TerminalReconcileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates a terminal error with no message.</summary>
    public TerminalReconcileException()
    {
    }

    /// <summary>The CamelCase reason used for the condition and the Event (default "ReconcileError").</summary>
    public string Reason { get; } = "ReconcileError";
}
