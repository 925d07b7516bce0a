namespace SuperCloud.E2E.Tests;

/// <summary>What one command printed, and how it exited.</summary>
internal sealed record CommandResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"{Command}: exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
