namespace SuperCloud.NodeAgent.Network;

/// <summary>How a host command ended: its exit code and what it wrote.</summary>
/// <param name="ExitCode">The exit code.</param>
/// <param name="Stdout">Its standard output.</param>
/// <param name="Stderr">Its standard error.</param>
public sealed record CommandOutput(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>True when the command exited with 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>The first line of stderr (or stdout) that says why it failed.</summary>
    public string Error => (Stderr.Trim().Length > 0 ? Stderr : Stdout).Trim().Split('\n')[0];
}
