using System.Runtime.CompilerServices;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Network;

/// <summary>
/// The hypervisor driver with the overlay attached: a VM's taps are plugged into the integration bridge before its
/// hypervisor opens them (create, start, incoming migration) and removed with the VM; around a migration's switch-over
/// the network moves with the VM — the source forwards its traffic to the target the moment the hypervisor reports it
/// paused for good (before the target is told to resume), the target delivers locally before the VM resumes, and a
/// rolled-back source delivers locally again before its VM resumes. So the network is back no later than the VM.
/// </summary>
/// <param name="inner">The hypervisor driver.</param>
/// <param name="network">This host's part of the overlay.</param>
public sealed class NetworkedHypervisorDriver(IHypervisorDriver inner, NetworkAgent network) : IHypervisorDriver
{
    /// <inheritdoc />
    public string Name => inner.Name;

    /// <inheritdoc />
    public string StateDirectory => inner.StateDirectory;

    /// <inheritdoc />
    public Task<HypervisorInfo> GetInfoAsync(CancellationToken cancellationToken) => inner.GetInfoAsync(cancellationToken);

    /// <inheritdoc />
    public async Task<VmStatus> CreateAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await PlugAsync(spec, cancellationToken);
        try
        {
            return await inner.CreateAsync(spec, cancellationToken);
        }
        catch (Exception e) when (e is not VmAlreadyExistsException)
        {
            // No VM came of it: its taps go too (an existing VM of that id keeps its own).
            await network.UnplugAsync(spec.Id, CancellationToken.None);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<VmStatus> StartAsync(string vmId, CancellationToken cancellationToken)
    {
        await PlugAsync(await inner.GetSpecAsync(vmId, cancellationToken), cancellationToken);
        return await inner.StartAsync(vmId, cancellationToken);
    }

    /// <inheritdoc />
    public Task<VmStatus> StopAsync(string vmId, CancellationToken cancellationToken) => inner.StopAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public Task<VmStatus> PauseAsync(string vmId, CancellationToken cancellationToken) => inner.PauseAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public Task<VmStatus> ResumeAsync(string vmId, CancellationToken cancellationToken) => inner.ResumeAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public async Task DeleteAsync(string vmId, CancellationToken cancellationToken)
    {
        try
        {
            await inner.DeleteAsync(vmId, cancellationToken);
        }
        finally
        {
            await network.UnplugAsync(vmId, CancellationToken.None);
        }
    }

    /// <inheritdoc />
    public Task<VmStatus> GetAsync(string vmId, CancellationToken cancellationToken) => inner.GetAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public Task<VmSpec> GetSpecAsync(string vmId, CancellationToken cancellationToken) => inner.GetSpecAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<VmStatus>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<VmStatus> WatchAsync(string vmId, CancellationToken cancellationToken) => inner.WatchAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public Task<string> ReadConsoleTailAsync(string vmId, int maxBytes, CancellationToken cancellationToken) => inner.ReadConsoleTailAsync(vmId, maxBytes, cancellationToken);

    /// <inheritdoc />
    public async Task<VmStatus> PrepareIncomingAsync(VmSpec spec, MigrationSettings settings, string streamSocketPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);

        // The taps exist before the hypervisor opens them, but deliver nothing until the switch-over: the VM still runs
        // on the source, where this host's table sends its traffic.
        await PlugAsync(spec, cancellationToken);
        try
        {
            return await inner.PrepareIncomingAsync(spec, settings, streamSocketPath, cancellationToken);
        }
        catch (Exception e) when (e is not VmAlreadyExistsException)
        {
            await network.UnplugAsync(spec.Id, CancellationToken.None);
            throw;
        }
    }

    /// <inheritdoc />
    public Task StartOutgoingAsync(string vmId, MigrationSettings settings, string streamSocketPath, CancellationToken cancellationToken) =>
        inner.StartOutgoingAsync(vmId, settings, streamSocketPath, cancellationToken);

    /// <inheritdoc />
    public Task<MigrationInfo> GetMigrationInfoAsync(string vmId, CancellationToken cancellationToken) => inner.GetMigrationInfoAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<MigrationInfo> WatchMigrationAsync(string vmId, TimeSpan pollInterval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Task? redirect = null;
        await foreach (var info in inner.WatchMigrationAsync(vmId, pollInterval, cancellationToken))
        {
            // Post-copy (running, lost or recovering its stream) has handed the VM over as surely as a completed copy.
            var pausedForGood = info.State == Agent.V1.HypervisorMigrationState.Completed || (info.IsPostCopy && info.StoppedAt is not null);
            if (info.State is Agent.V1.HypervisorMigrationState.Failed or Agent.V1.HypervisorMigrationState.Cancelled)
            {
                // The hypervisor resumes the VM here: its traffic comes back with it.
                if (redirect is not null)
                {
                    await redirect;
                    await network.ReturnAsync(vmId, CancellationToken.None);
                }

                network.ForgetOutgoing(vmId);
            }
            else if (info.StoppedAt is not null || pausedForGood)
            {
                // Stopped for the final copy: its traffic is forwarded to the target from now on, while the last pages
                // go (the target queues it in the incoming VM's tap until the VM resumes), so the pointer costs the
                // pause nothing.
                redirect ??= network.RedirectAsync(vmId, CancellationToken.None);
                if (pausedForGood)
                {
                    // Whoever follows this learns the VM is paused for good (and tells the target to resume) only now.
                    await redirect;
                }
            }

            yield return info;
        }
    }

    /// <inheritdoc />
    public Task StartPostCopyAsync(string vmId, CancellationToken cancellationToken) => inner.StartPostCopyAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public async Task CancelOutgoingAsync(string vmId, CancellationToken cancellationToken)
    {
        await inner.CancelOutgoingAsync(vmId, cancellationToken);
        network.ForgetOutgoing(vmId);
    }

    /// <inheritdoc />
    public async Task<VmStatus> ResumeMigratedInAsync(string vmId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await network.ActivateAsync(vmId, cancellationToken);
        return await inner.ResumeMigratedInAsync(vmId, timeout, cancellationToken);
    }

    /// <inheritdoc />
    public Task RecoverIncomingAsync(string vmId, string streamSocketPath, CancellationToken cancellationToken) =>
        inner.RecoverIncomingAsync(vmId, streamSocketPath, cancellationToken);

    /// <inheritdoc />
    public Task ResumeOutgoingAsync(string vmId, string streamSocketPath, CancellationToken cancellationToken) =>
        inner.ResumeOutgoingAsync(vmId, streamSocketPath, cancellationToken);

    /// <inheritdoc />
    public async Task<VmStatus> RollBackOutgoingAsync(string vmId, CancellationToken cancellationToken)
    {
        await network.ReturnAsync(vmId, cancellationToken);
        return await inner.RollBackOutgoingAsync(vmId, cancellationToken);
    }

    /// <inheritdoc />
    public Task<Stream> AttachConsoleAsync(string vmId, CancellationToken cancellationToken) => inner.AttachConsoleAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListDisksAsync(string vmId, CancellationToken cancellationToken) => inner.ListDisksAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public Task ExportDisksAsync(string vmId, string socketPath, CancellationToken cancellationToken) => inner.ExportDisksAsync(vmId, socketPath, cancellationToken);

    /// <inheritdoc />
    public Task StartDiskMirrorAsync(string vmId, IReadOnlyDictionary<string, string> socketByDisk, CancellationToken cancellationToken) =>
        inner.StartDiskMirrorAsync(vmId, socketByDisk, cancellationToken);

    /// <inheritdoc />
    public Task<DiskMirrorInfo> GetDiskMirrorAsync(string vmId, CancellationToken cancellationToken) => inner.GetDiskMirrorAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public Task CompleteDiskMirrorAsync(string vmId, CancellationToken cancellationToken) => inner.CompleteDiskMirrorAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public Task CancelDiskMirrorAsync(string vmId, CancellationToken cancellationToken) => inner.CancelDiskMirrorAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public Task ContinueOutgoingAsync(string vmId, CancellationToken cancellationToken) => inner.ContinueOutgoingAsync(vmId, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => inner.DisposeAsync();

    // A switch that does not answer makes the host unable to run a VM with NICs, as a missing hypervisor would.
    private async Task PlugAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        try
        {
            await network.PlugAsync(spec, cancellationToken);
        }
        catch (OvsUnavailableException e)
        {
            throw new HypervisorUnavailableException("openvswitch", e.Message);
        }
    }
}
