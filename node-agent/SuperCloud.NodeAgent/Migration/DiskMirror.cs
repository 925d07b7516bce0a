using System.Net.Sockets;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// The source's side of moving a VM's disks: one migration connection per disk to the target agent (the same mutual TLS,
/// one-time token and pacing as the memory stream, the channel named in the hello), each relaying the NBD connection of
/// the source hypervisor's mirror to the target hypervisor's export. It waits until every disk is in sync before memory
/// is copied, and completes the mirror while the VM is paused before the switch-over.
/// </summary>
internal sealed class DiskMirror(
    string migrationId, string vmId, string targetNode, string targetEndpoint, IHypervisorDriver driver, MigrationTransport transport,
    MigrationOptions options, RelaySettings relaySettings, string socketBase, TimeProvider time, ILogger logger)
{
    private readonly List<MigrationRelay> _relays = [];
    private readonly Lock _lock = new();

    /// <summary>The names of the disks that move (empty until started, and for a VM without disks).</summary>
    public IReadOnlyList<string> Disks { get; private set; } = [];

    /// <summary>The first relay failure of any disk, once one failed.</summary>
    public RelayFailure? Failure
    {
        get
        {
            lock (_lock)
            {
                return _relays.Select(r => r.Failure).Where(f => f.IsCompletedSuccessfully).Select(f => f.Result).FirstOrDefault();
            }
        }
    }

    /// <summary>The channel name of disk <paramref name="disk"/> in the hello of its connection.</summary>
    public static string Channel(string disk) => MigrationControl.DiskChannelPrefix + disk;

    /// <summary>
    /// Connects a channel per disk and starts the hypervisor's mirror through them; false (and nothing done) when the VM
    /// has no disks. Throws <see cref="MigrationConnectException"/> or <see cref="HypervisorException"/>, leaving nothing behind.
    /// </summary>
    public async Task<bool> StartAsync(byte[] token, CancellationToken cancellationToken)
    {
        Disks = await driver.ListDisksAsync(vmId, cancellationToken);
        if (Disks.Count == 0)
        {
            return false;
        }

        var listeners = new List<Socket>();
        var accepts = new List<Task>();
        try
        {
            var sockets = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < Disks.Count; i++)
            {
                var hello = new MigrationControl { Type = MigrationControl.Hello, MigrationId = migrationId, VmId = vmId, Token = token, Channel = Channel(Disks[i]) };
                var connection = await transport.ConnectAsync(targetEndpoint, targetNode, hello, cancellationToken);
                var path = $"{socketBase}-d{i}.sock";
                File.Delete(path);
                var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                listeners.Add(listener);
                listener.Bind(new UnixDomainSocketEndPoint(path));
                listener.Listen(1);
                sockets[Disks[i]] = path;

                // The hypervisor connects while the mirror is being set up, and its NBD handshake must flow at once.
                accepts.Add(AcceptAndRelayAsync(listener, connection, cancellationToken));
            }

            // Adding a disk's NBD client returns once its handshake went through, so the accepts are done by then.
            await driver.StartDiskMirrorAsync(vmId, sockets, cancellationToken).WaitAsync(options.HypervisorConnectTimeout + options.HandshakeTimeout, time, cancellationToken);
            await Task.WhenAll(accepts);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The listeners close below; accepts still waiting end with that.
            _ = Task.WhenAll(accepts).ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            await CancelAsync();
            throw ex is TimeoutException
                ? new HypervisorException(vmId, "mirror disks of", $"the hypervisor did not connect its disks' mirror within {(options.HypervisorConnectTimeout + options.HandshakeTimeout).TotalSeconds:0} s")
                : ex;
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }

            for (var i = 0; i < Disks.Count; i++)
            {
                File.Delete($"{socketBase}-d{i}.sock");
            }
        }
    }

    /// <summary>Waits until every disk is in sync; throws <see cref="HypervisorException"/> when the mirror or its relay fails first.</summary>
    public async Task WaitReadyAsync(Action<DiskMirrorInfo> progress, CancellationToken cancellationToken)
    {
        while (true)
        {
            var info = await driver.GetDiskMirrorAsync(vmId, cancellationToken);
            progress(info);
            if (Failure is { } failure)
            {
                throw new DiskMirrorException(failure.Reason, $"the disks' stream to {targetNode} failed: {failure.Message}");
            }

            if (info.Error is { } error)
            {
                throw new DiskMirrorException(DiskMirrorException.Failed, error);
            }

            if (info.Ready)
            {
                return;
            }

            await Task.Delay(options.ProgressInterval, time, cancellationToken);
        }
    }

    /// <summary>
    /// With the VM paused before the switch-over: completes the mirror (the target's disks are identical) and closes the
    /// disks' connections. Throws when a disk is not in sync: the migration must not switch over then.
    /// </summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (Failure is { } failure)
        {
            throw new DiskMirrorException(failure.Reason, $"the disks' stream to {targetNode} failed before the switch-over: {failure.Message}");
        }

        try
        {
            await driver.CompleteDiskMirrorAsync(vmId, cancellationToken);
        }
        catch (HypervisorException ex)
        {
            throw new DiskMirrorException(DiskMirrorException.Failed, ex.Message);
        }

        await CloseRelaysAsync();
    }

    /// <summary>Abandons the mirror (the VM keeps its disks here) and closes the connections; never throws.</summary>
    public async Task CancelAsync()
    {
        // Connections first: the hypervisor's requests to a target that is gone must fail now, not hang the guest's
        // writes (write-blocking) while the mirror jobs are ended.
        await CloseRelaysAsync();
        try
        {
            await driver.CancelDiskMirrorAsync(vmId, CancellationToken.None);
        }
        catch (Exception ex) when (ex is HypervisorException or VmNotFoundException)
        {
            logger.StepFailed(migrationId, "cancelling the disk mirror", ex.Message);
        }
    }

    /// <summary>The bytes the disks' relays sent and received, payload and framed.</summary>
    public RelayCounters Counters
    {
        get
        {
            lock (_lock)
            {
                return _relays.Select(r => r.Counters).Aggregate(new RelayCounters(0, 0, 0, 0),
                    (a, b) => new RelayCounters(a.SentPayloadBytes + b.SentPayloadBytes, a.SentWireBytes + b.SentWireBytes, a.ReceivedPayloadBytes + b.ReceivedPayloadBytes, a.ReceivedWireBytes + b.ReceivedWireBytes));
            }
        }
    }

    private async Task AcceptAndRelayAsync(Socket listener, Stream connection, CancellationToken cancellationToken)
    {
        Socket hypervisor;
        try
        {
            hypervisor = await listener.AcceptAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        var relay = new MigrationRelay(connection, null, hypervisor, relaySettings, logger);
        lock (_lock)
        {
            _relays.Add(relay);
        }

        relay.Start();
    }

    private async Task CloseRelaysAsync()
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
