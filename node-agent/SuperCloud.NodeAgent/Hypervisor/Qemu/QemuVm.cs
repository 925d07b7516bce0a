using System.Threading.Channels;
using SuperCloud.NodeAgent.Qmp;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>The driver's runtime record of one VM: its spec, files, QMP connection, status and watchers.</summary>
internal sealed class QemuVm(VmSpec spec, QemuVmPaths paths, VmStatus initial)
{
    private readonly Lock _lock = new();
    private readonly List<Channel<VmStatus>> _watchers = [];
    private VmStatus _status = initial;
    private long _outgoingStartedAt;
    private long _lastStopAt;
    private long _lastResumeAt;

    public VmSpec Spec { get; } = spec;

    public QemuVmPaths Paths { get; } = paths;

    /// <summary>Serializes lifecycle operations on this VM; the QMP monitor only reports, it never waits for this.</summary>
    public SemaphoreSlim OperationLock { get; } = new(1, 1);

    /// <summary>
    /// Serializes writes of the state file: the monitor (QEMU exited) and an operation can both record a transition at
    /// once, and they share one temporary file.
    /// </summary>
    public SemaphoreSlim PersistLock { get; } = new(1, 1);

    public QmpClient? Qmp { get; set; }

    public int? Pid { get; set; }

    /// <summary>Completes when the current QEMU process's QMP connection has closed and the exit has been recorded.</summary>
    public Task Monitor { get; set; } = Task.CompletedTask;

    /// <summary>Set before the driver itself ends QEMU, so the exit is recorded as Stopped rather than Crashed.</summary>
    public volatile bool StopRequested;

    public volatile bool Deleted;

    public string? ShutdownReason { get; set; }

    /// <summary>Created to receive a migration and not resumed yet: only the migration's switch-over may resume it.</summary>
    public volatile bool Incoming;

    /// <summary>An outgoing migration runs: the VM must not be resumed (it is paused for the final copy at the end).</summary>
    public volatile bool OutgoingActive;

    /// <summary>Source: the disk mirror jobs of an outgoing migration (job id and NBD node per disk), while they exist.</summary>
    public IReadOnlyList<(string Job, string Node)> MirrorJobs { get; set; } = [];

    /// <summary>Target: QEMU serves the disks over NBD for the source's mirror.</summary>
    public volatile bool DisksExported;

    /// <summary>Where QEMU listens for the incoming stream, while <see cref="Incoming"/>.</summary>
    public string? IncomingSocketPath { get; set; }

    /// <summary>When the last outgoing migration was started, or null.</summary>
    public DateTimeOffset? OutgoingStartedAt
    {
        get => ReadTime(ref _outgoingStartedAt);
        set => WriteTime(ref _outgoingStartedAt, value);
    }

    /// <summary>When QEMU last reported the vCPUs stopped (STOP event), or null.</summary>
    public DateTimeOffset? LastStopAt
    {
        get => ReadTime(ref _lastStopAt);
        set => WriteTime(ref _lastStopAt, value);
    }

    /// <summary>When QEMU last reported the vCPUs resumed (RESUME event), or null.</summary>
    public DateTimeOffset? LastResumeAt
    {
        get => ReadTime(ref _lastResumeAt);
        set => WriteTime(ref _lastResumeAt, value);
    }

    public VmStatus Status
    {
        get
        {
            lock (_lock)
            {
                return _status;
            }
        }
    }

    /// <summary>Records a new status and tells the watchers; returns false (and tells nobody) when nothing changed.</summary>
    public bool SetStatus(VmStatus status)
    {
        lock (_lock)
        {
            if (_status.State == status.State && _status.Reason == status.Reason && _status.ProcessId == status.ProcessId)
            {
                return false;
            }

            _status = status;
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(status);
            }

            return true;
        }
    }

    public Channel<VmStatus> Watch()
    {
        var channel = Channel.CreateUnbounded<VmStatus>(new UnboundedChannelOptions { SingleReader = true });
        lock (_lock)
        {
            channel.Writer.TryWrite(_status);
            if (Deleted)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _watchers.Add(channel);
            }
        }

        return channel;
    }

    public void Unwatch(Channel<VmStatus> channel)
    {
        lock (_lock)
        {
            _watchers.Remove(channel);
        }
    }

    public void CompleteWatchers()
    {
        lock (_lock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }

            _watchers.Clear();
        }
    }

    // Times are kept as UTC ticks so the monitor task and API calls can share them without a lock (0 means unset).
    private static DateTimeOffset? ReadTime(ref long ticks)
    {
        var value = Interlocked.Read(ref ticks);
        return value == 0 ? null : new DateTimeOffset(value, TimeSpan.Zero);
    }

    private static void WriteTime(ref long ticks, DateTimeOffset? value) => Interlocked.Exchange(ref ticks, value?.UtcTicks ?? 0);
}
