using System.Threading.Channels;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>
/// The driver's runtime record of one VM: its spec and files, and its <see cref="QemuVmState"/>, which only
/// <see cref="Apply"/> changes — the driver's operations and the QMP monitor both report what happened through it,
/// and the watchers hear every status it produces.
/// </summary>
internal sealed class QemuVm(VmSpec spec, QemuVmPaths paths, VmStatus initial)
{
    private readonly Lock _lock = new();
    private readonly List<Channel<VmStatus>> _watchers = [];
    private QemuVmState _state = new() { Status = initial };

    public VmSpec Spec { get; } = spec;

    public QemuVmPaths Paths { get; } = paths;

    /// <summary>Serializes lifecycle operations on this VM; the QMP monitor only reports, it never waits for this.</summary>
    public SemaphoreSlim OperationLock { get; } = new(1, 1);

    /// <summary>
    /// Serializes writes of the state file: the monitor (QEMU exited) and an operation can both record a transition at
    /// once, and they share one temporary file.
    /// </summary>
    public SemaphoreSlim PersistLock { get; } = new(1, 1);

    /// <summary>Source: the disk mirror jobs of an outgoing migration (job id and NBD node per disk), while they exist.</summary>
    public IReadOnlyList<(string Job, string Node)> MirrorJobs { get; set; } = [];

    /// <summary>Target: QEMU serves the disks over NBD for the source's mirror.</summary>
    public volatile bool DisksExported;
    /// <summary>Held by the one interactive console session QEMU's console socket serves at a time.</summary>
    public SemaphoreSlim ConsoleSession { get; } = new(1, 1);

    /// <summary>The VM's state now.</summary>
    public QemuVmState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    public VmStatus Status => State.Status;

    /// <summary>
    /// The one way the VM's state changes: <paramref name="evt"/> is applied by <see cref="QemuVmTransitions.Next"/>;
    /// the watchers hear the new status when it differs. Returns the states before and after.
    /// </summary>
    public (QemuVmState Before, QemuVmState After) Apply(QemuVmEvent evt, DateTimeOffset now)
    {
        lock (_lock)
        {
            var before = _state;
            var after = QemuVmTransitions.Next(before, evt, now);
            if (StatusChanged(before.Status, after.Status))
            {
                foreach (var watcher in _watchers)
                {
                    watcher.Writer.TryWrite(after.Status);
                }
            }
            else
            {
                // Nothing a caller would see changed: the status keeps the time it entered its state.
                after = after with { Status = before.Status };
            }

            _state = after;

            return (before, after);
        }
    }

    /// <summary>True when <paramref name="after"/> says something <paramref name="before"/> did not (a new time alone does not count).</summary>
    public static bool StatusChanged(VmStatus before, VmStatus after) =>
        before.State != after.State || before.Reason != after.Reason || before.ProcessId != after.ProcessId || before.Migration != after.Migration;

    public Channel<VmStatus> Watch()
    {
        var channel = Channel.CreateUnbounded<VmStatus>(new UnboundedChannelOptions { SingleReader = true });
        lock (_lock)
        {
            channel.Writer.TryWrite(_state.Status);
            if (_state.Deleted)
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
}
