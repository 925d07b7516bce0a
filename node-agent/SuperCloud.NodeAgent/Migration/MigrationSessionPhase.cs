namespace SuperCloud.NodeAgent.Migration;

/// <summary>Where one agent is in a migration (the wire enum <c>MigrationPhase</c> mirrors it).</summary>
public enum MigrationSessionPhase
{
    /// <summary>The agent has no record of the migration (it restarted); the hypervisor's state tells the rest.</summary>
    Unknown,

    /// <summary>Target: waiting for the source's connection.</summary>
    Prepared,

    /// <summary>Memory is being copied while the VM runs on the source.</summary>
    Transferring,

    /// <summary>The VM runs on the target and pulls the remaining pages from the source.</summary>
    PostCopy,

    /// <summary>The transfer completed: the source VM is paused for good, the target holds the whole state.</summary>
    Completed,

    /// <summary>The target resumed the VM (on the source: the target confirmed it).</summary>
    Switched,

    /// <summary>The migration failed; see the reason.</summary>
    Failed,

    /// <summary>The migration was cancelled.</summary>
    Cancelled,
}
