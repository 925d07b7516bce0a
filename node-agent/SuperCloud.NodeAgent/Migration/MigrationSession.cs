using System.Security.Cryptography;
using System.Text;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>What both ends of a migration keep on an agent: identity, phase, times, the relay and its last counters.</summary>
internal abstract class MigrationSession(
    string migrationId, string vmId, MigrationRole role, MigrationSettings settings, IHypervisorDriver driver,
    MigrationOptions options, TimeProvider timeProvider, ILogger logger)
{
    private readonly Lock _lock = new();
    private MigrationSessionPhase _phase;
    private MigrationInfo? _hypervisor;
    private string? _failureReason;
    private string? _message;
    private RelayTotals _stream = RelayTotals.Zero;

    public string MigrationId { get; } = migrationId;

    public string VmId { get; } = vmId;

    public MigrationRole Role { get; } = role;

    protected MigrationSettings Settings { get; } = settings;

    protected IHypervisorDriver Driver { get; } = driver;

    protected MigrationOptions Options { get; } = options;

    protected TimeProvider Time { get; } = timeProvider;

    protected ILogger Logger { get; } = logger;

    protected CancellationTokenSource Lifetime { get; } = new();

    protected MigrationRelay? Relay { get; set; }

    public DateTimeOffset StartedAt { get; } = timeProvider.GetUtcNow();

    public DateTimeOffset? FinishedAt { get; private set; }

    public DateTimeOffset? SourceStoppedAt { get; protected set; }

    public DateTimeOffset? ResumeAcknowledgedAt { get; protected set; }

    public DateTimeOffset? TargetResumedAt { get; protected set; }

    public MigrationSessionPhase Phase
    {
        get
        {
            lock (_lock)
            {
                return _phase;
            }
        }
    }

    /// <summary>True while the session holds the VM: not failed, cancelled or switched over with everything moved.</summary>
    public bool IsActive => Phase is MigrationSessionPhase.Prepared or MigrationSessionPhase.Transferring or MigrationSessionPhase.PostCopy
        or MigrationSessionPhase.Completed;

    /// <summary>A Unix socket path for the hypervisor's side of the stream, short and unique per migration and role.</summary>
    public string SocketPath
    {
        get
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{MigrationId}/{VmId}/{Role}")))[..16];
            return Path.Combine(Options.SocketDirectory, $"{hash}.sock");
        }
    }

    public async Task<MigrationSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        VmStatus? vm = null;
        try
        {
            vm = await Driver.GetAsync(VmId, cancellationToken);
            if (IsActive)
            {
                Observe(await Driver.GetMigrationInfoAsync(VmId, cancellationToken));
            }
        }
        catch (VmNotFoundException)
        {
            // The VM is gone (a cancelled target, a deleted source): the session still tells what happened.
        }
        catch (HypervisorException ex)
        {
            Logger.CountersUnavailable(ex, MigrationId);
        }

        if (Relay is { } relay)
        {
            ObserveStream(relay);
        }

        lock (_lock)
        {
            return new MigrationSnapshot(MigrationId, VmId, Role, _phase, _hypervisor, _stream, StartedAt, SourceStoppedAt,
                ResumeAcknowledgedAt, TargetResumedAt, _failureReason, _message, vm);
        }
    }

    protected void SetPhase(MigrationSessionPhase phase, string? message = null)
    {
        lock (_lock)
        {
            if (_phase is MigrationSessionPhase.Failed or MigrationSessionPhase.Cancelled)
            {
                return;
            }

            _phase = phase;
            _message = message ?? _message;
        }

        Logger.PhaseChanged(MigrationId, VmId, Role, phase);
    }

    protected void SetMessage(string message)
    {
        lock (_lock)
        {
            _message = message;
        }
    }

    /// <summary>Records the end of the migration on this agent; the first outcome wins.</summary>
    protected bool Finish(MigrationSessionPhase phase, string? reason, string message)
    {
        lock (_lock)
        {
            if (_phase is MigrationSessionPhase.Failed or MigrationSessionPhase.Cancelled)
            {
                return false;
            }

            _phase = phase;
            _failureReason = reason;
            _message = message;
            FinishedAt = Time.GetUtcNow();
        }

        if (phase is MigrationSessionPhase.Failed or MigrationSessionPhase.Cancelled)
        {
            Logger.Ended(MigrationId, VmId, Role, phase, reason, message);
        }

        return true;
    }

    protected void Observe(MigrationInfo info)
    {
        lock (_lock)
        {
            _hypervisor = info;
        }
    }

    protected void ObserveStream(MigrationRelay relay)
    {
        var counters = relay.Counters;
        var totals = Role == MigrationRole.Source
            ? new RelayTotals(counters.SentPayloadBytes, counters.SentWireBytes)
            : new RelayTotals(counters.ReceivedPayloadBytes, counters.ReceivedWireBytes);
        lock (_lock)
        {
            _stream = totals;
        }
    }

    protected RelaySettings RelaySettings(long rate) => new(Options.ChunkSize, rate, Options.CorruptOutgoingStreamByteAt);

    /// <summary>Ends the relay (closing the connection and the hypervisor socket) and keeps its final counters.</summary>
    protected async Task CloseRelayAsync()
    {
        if (Relay is { } relay)
        {
            await relay.DisposeAsync();
            ObserveStream(relay);
        }
    }
}
