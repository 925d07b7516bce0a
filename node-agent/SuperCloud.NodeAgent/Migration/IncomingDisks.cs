using System.Net.Sockets;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// The target's side of moving a VM's disks: the hypervisor serves the incoming VM's fresh overlays over NBD on a local
/// socket, and each disk's migration connection from the source agent — admitted once, with the migration's token — is
/// relayed into it. The export ends when the VM resumes here; the connections when the source completes its mirror.
/// </summary>
internal sealed class IncomingDisks(string vmId, IHypervisorDriver driver, string socketPath, MigrationOptions options, ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _admitted = new(StringComparer.Ordinal);
    private readonly List<MigrationRelay> _relays = [];
    private IReadOnlyList<string> _disks = [];

    /// <summary>Serves the VM's disks (nothing happens for a VM without disks).</summary>
    public async Task ExportAsync(CancellationToken cancellationToken)
    {
        _disks = await driver.ListDisksAsync(vmId, cancellationToken);
        if (_disks.Count > 0)
        {
            await driver.ExportDisksAsync(vmId, socketPath, cancellationToken);
        }
    }

    /// <summary>Why a connection for <paramref name="channel"/> may not be relayed, or null (the channel is then taken).</summary>
    public string? Admit(string channel)
    {
        var disk = channel[MigrationControl.DiskChannelPrefix.Length..];
        lock (_lock)
        {
            if (!_disks.Contains(disk))
            {
                return $"VM {vmId} has no disk '{disk}' to receive";
            }

            return _admitted.Add(disk) ? null : $"disk '{disk}' of VM {vmId} is connected already";
        }
    }

    /// <summary>Relays an admitted disk connection into the hypervisor's export until the connection ends.</summary>
    public async Task RunAsync(string migrationId, Stream connection, Action abortConnection, CancellationToken cancellationToken)
    {
        var hypervisor = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connect.CancelAfter(options.HypervisorConnectTimeout);
            await hypervisor.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), connect.Token);
        }
        catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            hypervisor.Dispose();
            await MigrationWire.WriteControlAsync(connection, new MigrationControl { Type = MigrationControl.Reject, Reason = SuperCloud.Agent.V1.MigrationFailureReason.TargetNotReady, Message = $"the target hypervisor does not serve the disks: {ex.Message}" }, CancellationToken.None);
            return;
        }

        // The target's replies are not paced: the source's pacing of the writes paces them.
        var relay = new MigrationRelay(connection, abortConnection, hypervisor, new RelaySettings(options.ChunkSize, 0, -1), logger);
        lock (_lock)
        {
            _relays.Add(relay);
        }

        await MigrationWire.WriteControlAsync(connection, new MigrationControl { Type = MigrationControl.Accept, MigrationId = migrationId }, cancellationToken);
        relay.Start();
        try
        {
            // The controls end with the connection: the source closes it once its mirror completed (or failed).
            await foreach (var _ in relay.Controls.ReadAllAsync(cancellationToken))
            {
                // Disk channels carry no control messages.
            }
        }
        catch (OperationCanceledException)
        {
            // The agent is stopping.
        }
        finally
        {
            await relay.DisposeAsync();
        }
    }

    /// <summary>Closes every disk connection.</summary>
    public async Task CloseAsync()
    {
        List<MigrationRelay> relays;
        lock (_lock)
        {
            relays = [.. _relays];
        }

        foreach (var relay in relays)
        {
            await relay.DisposeAsync();
        }
    }
}
