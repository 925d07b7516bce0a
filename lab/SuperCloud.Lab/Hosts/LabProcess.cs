namespace SuperCloud.Lab.Hosts;

/// <summary>A process the lab started, as recorded in its state file: enough to find it again, tell it from a reused pid, and restart it.</summary>
public sealed class LabProcess
{
    /// <summary><c>up</c>, <c>operator</c> or <c>agent/HOST</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Its process id.</summary>
    public required int Pid { get; init; }

    /// <summary>Its start time in clock ticks since boot (<c>/proc/PID/stat</c> field 22): a pid reused by another process has another.</summary>
    public required long StartTime { get; init; }

    /// <summary>The network namespace it runs in; null for the root namespace.</summary>
    public string? Netns { get; init; }

    /// <summary>The executable.</summary>
    public required string Executable { get; init; }

    /// <summary>The arguments the lab gives it; a restart adds its extra arguments to these.</summary>
    public required IReadOnlyList<string> BaseArgs { get; init; }

    /// <summary>The arguments it was started with this time.</summary>
    public required IReadOnlyList<string> Args { get; init; }

    /// <summary>The file its stdout and stderr are appended to.</summary>
    public required string Log { get; init; }

    /// <summary>Environment variables it was given beyond the lab's own (a pod's container env); null for none.</summary>
    public Dictionary<string, string>? Environment { get; init; }
}
