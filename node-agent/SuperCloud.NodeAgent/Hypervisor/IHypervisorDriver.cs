namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>
/// The seam between the agent and a hypervisor (QEMU through QMP, Xen through the toolstack): VM lifecycle, state and
/// console. Every VM-level operation throws <see cref="VmNotFoundException"/> for an unknown id.
/// </summary>
public interface IHypervisorDriver : IAsyncDisposable
{
    /// <summary>The driver name, <c>qemu</c> or <c>xen</c>.</summary>
    string Name { get; }

    /// <summary>The directory that holds one subdirectory per VM; the agent keeps its records of each VM beside them.</summary>
    string StateDirectory { get; }

    /// <summary>Reports whether and how the hypervisor can run VMs on this host.</summary>
    Task<HypervisorInfo> GetInfoAsync(CancellationToken cancellationToken);

    /// <summary>Defines a VM from <paramref name="spec"/> without starting it.</summary>
    Task<VmStatus> CreateAsync(VmSpec spec, CancellationToken cancellationToken);

    /// <summary>Boots a created or stopped VM; a running VM is left as it is.</summary>
    Task<VmStatus> StartAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>Powers the VM off (its definition stays); a stopped VM is left as it is.</summary>
    Task<VmStatus> StopAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>Stops the vCPUs, keeping the VM in memory.</summary>
    Task<VmStatus> PauseAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>Restarts the vCPUs of a paused VM.</summary>
    Task<VmStatus> ResumeAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>Kills the VM if it runs and removes everything the driver kept for it.</summary>
    Task DeleteAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>Returns the VM's current status.</summary>
    Task<VmStatus> GetAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>Returns the spec the VM was created from.</summary>
    Task<VmSpec> GetSpecAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>Lists every VM this driver knows, including those re-attached after an agent restart.</summary>
    Task<IReadOnlyList<VmStatus>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Yields the current status, then every change, until the VM is deleted or the token fires.</summary>
    IAsyncEnumerable<VmStatus> WatchAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>Returns the last <paramref name="maxBytes"/> bytes of the VM's serial console (of its current boot).</summary>
    Task<string> ReadConsoleTailAsync(string vmId, int maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Attaches to the running VM's serial console: reads return what the guest writes from now on, writes reach the guest.
    /// One attachment per VM at a time (<see cref="VmStateConflictException"/> while another is open); disposing detaches.
    /// </summary>
    Task<Stream> AttachConsoleAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>
    /// Defines a VM from <paramref name="spec"/> and starts its hypervisor paused, waiting for an incoming migration stream
    /// on the Unix socket <paramref name="streamSocketPath"/> (the hypervisor listens; the agent connects and relays).
    /// The VM stays paused after the transfer until <see cref="ResumeMigratedInAsync"/>.
    /// </summary>
    Task<VmStatus> PrepareIncomingAsync(VmSpec spec, MigrationSettings settings, string streamSocketPath, CancellationToken cancellationToken);

    /// <summary>
    /// Starts sending a running VM's state to the Unix socket <paramref name="streamSocketPath"/> (the agent listens and
    /// relays), pre-copy. The VM keeps running until the final copy; after a completed transfer it stays paused for good.
    /// </summary>
    Task StartOutgoingAsync(string vmId, MigrationSettings settings, string streamSocketPath, CancellationToken cancellationToken);

    /// <summary>The hypervisor's current view of the VM's migration (<see cref="MigrationInfo.None"/> when none ran).</summary>
    Task<MigrationInfo> GetMigrationInfoAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>
    /// Yields the VM's migration info now, on every migration or run-state event of the hypervisor, and at least every
    /// <paramref name="pollInterval"/>, until the migration is finished (the finished info is yielded last).
    /// </summary>
    IAsyncEnumerable<MigrationInfo> WatchMigrationAsync(string vmId, TimeSpan pollInterval, CancellationToken cancellationToken);

    /// <summary>Source: switches a running pre-copy migration to post-copy.</summary>
    Task StartPostCopyAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>Source: cancels an outgoing migration; the VM keeps running here.</summary>
    Task CancelOutgoingAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>
    /// Target: resumes a migrated-in VM once its hypervisor holds the whole device state (transfer completed, or post-copy
    /// running), waiting up to <paramref name="timeout"/> for that.
    /// </summary>
    Task<VmStatus> ResumeMigratedInAsync(string vmId, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Target: after post-copy lost its stream (the hypervisor waits, paused in post-copy), listens for the recovered
    /// stream on the Unix socket <paramref name="streamSocketPath"/>.
    /// </summary>
    Task RecoverIncomingAsync(string vmId, string streamSocketPath, CancellationToken cancellationToken);

    /// <summary>
    /// Source: after post-copy lost its stream, resumes sending the pages the target still lacks into the Unix socket
    /// <paramref name="streamSocketPath"/> (the agent listens and relays).
    /// </summary>
    Task ResumeOutgoingAsync(string vmId, string streamSocketPath, CancellationToken cancellationToken);

    /// <summary>Source: resumes a VM paused by a completed outgoing migration (the caller made sure the target does not run it).</summary>
    Task<VmStatus> RollBackOutgoingAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>The names of the VM's disks: those a migration must move with it (the cloud-init seed is made anew).</summary>
    Task<IReadOnlyList<string>> ListDisksAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>
    /// Target: serves the incoming VM's disks, writable, over NBD on the Unix socket <paramref name="socketPath"/> (export
    /// name: the disk's name) for the source's mirror; served until the VM resumes. Nothing happens without disks.
    /// </summary>
    Task ExportDisksAsync(string vmId, string socketPath, CancellationToken cancellationToken);

    /// <summary>
    /// Source: starts mirroring each disk into the NBD export reached through the Unix socket given for its name (only
    /// what the VM wrote above its image moves; the target has the image), copying writes synchronously once in sync. An
    /// outgoing migration started afterwards pauses before its switch-over until <see cref="CompleteDiskMirrorAsync"/>.
    /// </summary>
    Task StartDiskMirrorAsync(string vmId, IReadOnlyDictionary<string, string> socketByDisk, CancellationToken cancellationToken);

    /// <summary>Source: how far the disk mirror is: bytes done and to do, whether every disk is in sync, or why it failed.</summary>
    Task<DiskMirrorInfo> GetDiskMirrorAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>
    /// Source, with the VM paused before the switch-over: ends the mirror with the target identical to the source and
    /// disconnects from the target's exports; throws when a disk is not in sync (the migration must then be cancelled).
    /// </summary>
    Task CompleteDiskMirrorAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>Source: abandons the disk mirror (the VM keeps running on its own disks here).</summary>
    Task CancelDiskMirrorAsync(string vmId, CancellationToken cancellationToken);

    /// <summary>Source: lets an outgoing migration paused before its switch-over (disks complete) finish.</summary>
    Task ContinueOutgoingAsync(string vmId, CancellationToken cancellationToken);
}
