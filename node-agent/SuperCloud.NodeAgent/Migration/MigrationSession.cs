using System.Security.Cryptography;
using System.Text;
using SuperCloud.Agent.V1;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Ownership;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// What both ends of a migration keep on an agent: identity, epochs, the relay, and a <see cref="SessionState"/> that
/// only <see cref="Update"/> changes, whichever task (the RPC, the hypervisor follower, the relay's control reader)
/// learns something.
/// </summary>
internal abstract class MigrationSession(
    string migrationId, string vmId, MigrationRole role, long sourceEpoch, long targetEpoch, MigrationSettings settings,
    IHypervisorDriver driver, VmOwnership ownership, MigrationOptions options, TimeProvider timeProvider, ILogger logger)
{
    private readonly Lock _lock = new();
    private SessionState _state = new();

    public string MigrationId { get; } = migrationId;

    public string VmId { get; } = vmId;

    public MigrationRole Role { get; } = role;

    /// <summary>The epoch of the source's copy (0 on a target that was not told it).</summary>
    public long SourceEpoch { get; } = sourceEpoch;

    /// <summary>The epoch of the target's copy.</summary>
    public long TargetEpoch { get; } = targetEpoch;

    protected MigrationSettings Settings { get; } = settings;

    protected IHypervisorDriver Driver { get; } = driver;

    protected VmOwnership Ownership { get; } = ownership;

    protected MigrationOptions Options { get; } = options;

    protected TimeProvider Time { get; } = timeProvider;

    protected ILogger Logger { get; } = logger;

    protected CancellationTokenSource Lifetime { get; } = new();

    protected MigrationRelay? Relay { get; set; }

    public DateTimeOffset StartedAt { get; } = timeProvider.GetUtcNow();

    /// <summary>This migration's state on this agent now.</summary>
    public SessionState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    public MigrationPhase Phase => State.Phase;

    /// <summary>True while the session holds the VM: not failed, cancelled, aborted or switched over with everything moved.</summary>
    public bool IsActive => State.IsActive;

    /// <summary>A Unix socket path for the hypervisor's side of the stream, short and unique per migration and role.</summary>
    public string SocketPath
    {
        get
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{MigrationId}/{VmId}/{Role}")))[..16];
            return Path.Combine(Options.SocketDirectory, $"{hash}.sock");
        }
    }

    /// <summary>
    /// The one way the session's state changes: <paramref name="change"/> maps the state now to the next one, under the
    /// session's lock; a phase <see cref="SessionState.MayBecome"/> refuses keeps the outcome it had. Returns the state after.
    /// </summary>
    public SessionState Update(Func<SessionState, SessionState> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        SessionState before, after;
        lock (_lock)
        {
            before = _state;
            after = change(before);
            if (after.Phase != before.Phase && !before.MayBecome(after.Phase))
            {
                after = after with { Phase = before.Phase, Reason = before.Reason, Message = before.Message, FinishedAt = before.FinishedAt };
            }

            _state = after;
        }

        if (after.Phase != before.Phase)
        {
            if (after.IsTerminal)
            {
                Logger.Ended(MigrationId, VmId, Role, after.Phase, after.Reason, after.Message ?? "");
            }
            else
            {
                Logger.PhaseChanged(MigrationId, VmId, Role, after.Phase);
            }
        }

        return after;
    }

    /// <summary>Moves to <paramref name="phase"/> unless the migration already ended badly.</summary>
    protected SessionState Advance(MigrationPhase phase, string? message = null) =>
        Update(s => s with { Phase = phase, Message = message ?? s.Message });

    /// <summary>Records how the migration ended on this agent; the first bad outcome stays (but for an abort).</summary>
    protected SessionState Finish(MigrationPhase phase, MigrationFailureReason reason, string message) =>
        Update(s => (s.IsTerminal && phase != MigrationPhase.Aborted) || !s.MayBecome(phase)
            ? s
            : s with { Phase = phase, Reason = reason, Message = message, FinishedAt = Time.GetUtcNow() });

    public async Task<MigrationSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        VmStatus? vm = null;
        try
        {
            vm = await Driver.GetAsync(VmId, cancellationToken);
            if (IsActive || Phase == MigrationPhase.Switched)
            {
                var info = await Driver.GetMigrationInfoAsync(VmId, cancellationToken);
                Update(s => s with { Hypervisor = info });
            }
        }
        catch (VmNotFoundException)
        {
            // The VM is gone (an aborted target, a deleted source): the session still tells what happened.
        }
        catch (HypervisorException ex)
        {
            Logger.CountersUnavailable(ex, MigrationId);
        }

        if (Relay is { } relay)
        {
            ObserveStream(relay);
        }

        var state = State;
        return new MigrationSnapshot(MigrationId, VmId, Role, state.Phase, state.Hypervisor, state.Stream, StartedAt, state.SourceStoppedAt,
            state.ResumeAcknowledgedAt, state.TargetResumedAt, state.Reason, state.Message, vm)
        {
            SourceEpoch = SourceEpoch,
            TargetEpoch = TargetEpoch,
            PostCopyStarted = state.PostCopyStarted,
            HandedOver = state.HandedOver,
        };
    }

    protected void ObserveStream(MigrationRelay relay)
    {
        var counters = relay.Counters;
        var totals = Role == MigrationRole.Source
            ? new RelayTotals(counters.SentPayloadBytes, counters.SentWireBytes)
            : new RelayTotals(counters.ReceivedPayloadBytes, counters.ReceivedWireBytes);
        Update(s => s with { Stream = totals });
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
