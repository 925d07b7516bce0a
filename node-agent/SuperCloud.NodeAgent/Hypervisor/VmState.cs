namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>The lifecycle state of a VM as the agent reports it, whatever the hypervisor.</summary>
public enum VmState
{
    /// <summary>The hypervisor reported something the agent does not recognise.</summary>
    Unknown = 0,

    /// <summary>Defined (state directory and spec written) but never started.</summary>
    Created,

    /// <summary>The guest's vCPUs are running.</summary>
    Running,

    /// <summary>The hypervisor process exists but the vCPUs are stopped (by pause, or before/after a migration).</summary>
    Paused,

    /// <summary>No hypervisor process: stopped on request or shut down by the guest.</summary>
    Stopped,

    /// <summary>The hypervisor process died or the guest failed without anyone asking it to stop.</summary>
    Crashed,
}
