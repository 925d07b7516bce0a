using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using SuperCloud.Agent.V1;
using SuperCloud.NodeAgent.Qmp;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>Live migration through QEMU's own migration protocol, over a Unix socket the agent relays.</summary>
public sealed partial class QemuDriver
{
    /// <summary>Reason of a VM started to receive a migration that has not switched over yet.</summary>
    public const string IncomingMigrationReason = "IncomingMigration";

    /// <summary>Reason of a source VM after a completed outgoing migration: paused for good.</summary>
    public const string MigratedOutReason = "MigratedOut";

    /// <summary>Reason of a target VM resumed by the migration's switch-over.</summary>
    public const string MigratedInReason = "MigratedIn";

    /// <summary>Reason of a source VM resumed after a completed migration was rolled back.</summary>
    public const string MigrationRolledBackReason = "MigrationRolledBack";

    /// <summary>Reason of a target VM whose QEMU exited before the switch-over.</summary>
    public const string IncomingFailedReason = "IncomingMigrationFailed";

    /// <summary>Message of a source VM after a completed outgoing migration.</summary>
    internal const string MigratedOutMessage = "the VM's state was migrated to another host; it must not resume here";

    // QEMU's max-bandwidth is bytes per second; "unlimited" is a rate no link reaches (QEMU's default is 128 MiB/s).
    private const long UnlimitedBandwidth = 1L << 40;

    // A backstop only: the MIGRATION and STOP events wake the wait for the incoming load.
    private static readonly TimeSpan ResumePollInterval = TimeSpan.FromMilliseconds(100);

    // How long a post-copy target gets to answer query-migrate before its last MIGRATION event stands in for the answer.
    private static readonly TimeSpan PostCopyQueryTimeout = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public async Task<VmStatus> PrepareIncomingAsync(VmSpec spec, MigrationSettings settings, string streamSocketPath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var incoming = new IncomingLaunch(CheckSettings(settings), CheckSocketPath(spec.Id, streamSocketPath));
        if (_vms.TryGetValue(spec.Id, out var existing)
            && existing.State is { Migration: VmMigrationState.Incoming, Qmp: not null, IncomingSocket: var listening } && listening == streamSocketPath)
        {
            // The same preparation again (a retried call): QEMU already listens.
            return existing.Status;
        }

        await CreateAsync(spec, cancellationToken);
        try
        {
            return await WithVmAsync(spec.Id, "prepare incoming migration", vm => LaunchAsync(vm, cancellationToken, incoming), cancellationToken);
        }
        catch
        {
            // A target that could not start listening is of no use: leave nothing behind.
            await DeleteAsync(spec.Id, CancellationToken.None);
            throw;
        }
    }

    /// <inheritdoc />
    public Task StartOutgoingAsync(string vmId, MigrationSettings settings, string streamSocketPath, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "start outgoing migration", async vm =>
        {
            CheckSettings(settings);
            CheckSocketPath(vmId, streamSocketPath);
            if (vm.Status.State != VmState.Running || vm.State.Migration != VmMigrationState.None)
            {
                throw new VmStateConflictException(vmId, "start outgoing migration", vm.Status.State, vm.State.Migration switch
                {
                    VmMigrationState.Incoming => "it is itself the target of a migration",
                    VmMigrationState.Outgoing => "another outgoing migration runs",
                    VmMigrationState.None => "only a running VM migrates live",
                    _ => "its state was already migrated to another host",
                });
            }

            const string operation = "start outgoing migration";
            await ExecuteAsync(vm, operation, "migrate-set-capabilities", Capabilities(settings, source: true), cancellationToken);
            await ExecuteAsync(vm, operation, "migrate-set-parameters", Parameters(settings), cancellationToken);
            await SetPauseBeforeSwitchoverAsync(vm, cancellationToken);
            vm.Apply(new QemuVmEvent.OutgoingStarting(_timeProvider.GetUtcNow()), _timeProvider.GetUtcNow());
            try
            {
                await ExecuteAsync(vm, operation, "migrate", new JsonObject { ["uri"] = "unix:" + streamSocketPath }, cancellationToken);
            }
            catch
            {
                vm.Apply(new QemuVmEvent.OutgoingNotStarted(), _timeProvider.GetUtcNow());
                throw;
            }

            _logger.OutgoingStarted(vmId, streamSocketPath);
            return vm.Status;
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<MigrationInfo> GetMigrationInfoAsync(string vmId, CancellationToken cancellationToken)
    {
        var vm = Find(vmId, "get migration of");
        var state = vm.State;
        if (state.Qmp is not { } qmp)
        {
            return state.Migration == VmMigrationState.Incoming || state.OutgoingStartedAt is not null
                ? MigrationInfo.None with { State = HypervisorMigrationState.Failed, Error = "QEMU is not running" }
                : MigrationInfo.None;
        }

        // A post-copy target whose main loop waits for a missing page answers no query: what it is doing is what its
        // last MIGRATION event said (a lost stream shows as postcopy-paused, ready for migrate-recover).
        var blockedPostCopy = MigrationInfo.None with { State = state.LastMigrationEvent, ResumedAt = state.LastResumeAt };
        if (IsPostCopyTarget(state) && qmp.InBandBacklog > 0)
        {
            return blockedPostCopy;
        }

        JsonElement reply;
        try
        {
            reply = await qmp.ExecuteAsync("query-migrate", null, IsPostCopyTarget(state) ? PostCopyQueryTimeout : _options.CommandTimeout, cancellationToken);
        }
        catch (QmpTimeoutException) when (IsPostCopyTarget(vm.State))
        {
            return blockedPostCopy with { State = vm.State.LastMigrationEvent };
        }
        catch (QmpException ex)
        {
            throw new HypervisorException(vmId, "get migration of", ex.Message, ex);
        }

        var info = ParseMigration(vm, reply);
        if (vm.MirrorJobs.Count > 0)
        {
            var disks = await GetDiskMirrorAsync(vmId, cancellationToken);
            info = info with { DiskTransferredBytes = disks.TransferredBytes, DiskRemainingBytes = disks.RemainingBytes };
        }

        return info;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<MigrationInfo> WatchMigrationAsync(string vmId, TimeSpan pollInterval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pollInterval, TimeSpan.Zero);
        var vm = Find(vmId, "watch migration of");
        var qmp = vm.State.Qmp ?? throw new VmStateConflictException(vmId, "watch migration of", vm.Status.State, "QEMU is not running");

        // Subscribe before the first query, so no event between the two is missed.
        using var events = qmp.SubscribeEvents();
        while (true)
        {
            MigrationInfo info;
            try
            {
                info = await GetMigrationInfoAsync(vmId, cancellationToken);
            }
            catch (HypervisorException) when (!qmp.IsConnected)
            {
                info = MigrationInfo.None with { State = HypervisorMigrationState.Failed, Error = "QEMU exited during the migration" };
            }

            yield return info;
            if (info.IsFinished)
            {
                yield break;
            }

            if (!await WaitForEventAsync(events, pollInterval, cancellationToken))
            {
                // The QMP connection closed: QEMU is gone, and so is its migration.
                yield return await GetMigrationInfoAsync(vmId, cancellationToken) is { IsFinished: true } last
                    ? last
                    : MigrationInfo.None with { State = HypervisorMigrationState.Failed, Error = "QEMU exited during the migration" };
                yield break;
            }
        }
    }

    /// <inheritdoc />
    public Task StartPostCopyAsync(string vmId, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "start post-copy", async vm =>
        {
            await ExecuteAsync(vm, "start post-copy", "migrate-start-postcopy", null, cancellationToken);
            return vm.Status;
        }, cancellationToken);

    /// <inheritdoc />
    public Task CancelOutgoingAsync(string vmId, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "cancel outgoing migration", async vm =>
        {
            if (vm.State.Qmp is not null)
            {
                // QEMU resumes the VM itself when the migration had not completed yet.
                await ExecuteAsync(vm, "cancel outgoing migration", "migrate_cancel", null, cancellationToken);
            }

            return vm.Status;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<VmStatus> ResumeMigratedInAsync(string vmId, TimeSpan timeout, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "resume migrated-in VM", async vm =>
        {
            const string operation = "resume migrated-in VM";
            if (vm.State.Migration != VmMigrationState.Incoming)
            {
                return vm.Status is { State: VmState.Running, Reason: MigratedInReason or "Resumed" }
                    ? vm.Status
                    : throw new VmStateConflictException(vmId, operation, vm.Status.State, "it is not the target of a migration");
            }

            // QEMU announces the end of the load with a MIGRATION event: wait for events, not for a poll interval.
            var deadline = _timeProvider.GetUtcNow() + timeout;
            using var loading = vm.State.Qmp!.SubscribeEvents();
            while (true)
            {
                var migration = MigrationInfo.ParseQemuStatus((await ExecuteAsync(vm, operation, "query-migrate", null, cancellationToken)).TryGetProperty("status", out var m) ? m.GetString() : null);
                var runState = (await ExecuteAsync(vm, operation, "query-status", null, cancellationToken)).GetProperty("status").GetString();

                // Completed: the whole state is loaded; post-copy: the device state is, and pages follow on demand.
                if (migration is HypervisorMigrationState.Completed or HypervisorMigrationState.PostcopyActive && runState == "paused")
                {
                    break;
                }

                if (migration is HypervisorMigrationState.Failed)
                {
                    throw new HypervisorException(vmId, operation, "the incoming migration failed in QEMU");
                }

                if (_timeProvider.GetUtcNow() >= deadline)
                {
                    throw new HypervisorException(vmId, operation,
                        $"QEMU did not finish loading the incoming state within {timeout.TotalSeconds:0.#} s (migration {migration}, run state {runState})");
                }

                if (!await WaitForEventAsync(loading, ResumePollInterval, cancellationToken))
                {
                    throw new HypervisorException(vmId, operation, "QEMU exited while loading the incoming state");
                }
            }

            await StopExportsAsync(vm, cancellationToken);

            // The RESUME event carries QEMU's own timestamp of the moment the vCPUs ran again: the end of the downtime.
            DateTimeOffset resumedAt;
            using (var events = vm.State.Qmp!.SubscribeEvents())
            {
                await ExecuteAsync(vm, operation, "cont", null, cancellationToken);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(_options.CommandTimeout);
                try
                {
                    resumedAt = (await events.WaitForAsync("RESUME", wait.Token)).Timestamp;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    resumedAt = _timeProvider.GetUtcNow();
                }
                catch (QmpException ex)
                {
                    throw new HypervisorException(vmId, operation, $"QEMU went away right after resuming: {ex.Message}", ex);
                }
            }

            _logger.MigratedInResumed(vmId);
            return await ApplyAsync(vm, new QemuVmEvent.MigratedInResumed(resumedAt), cancellationToken);
        }, cancellationToken);

    /// <inheritdoc />
    public Task RecoverIncomingAsync(string vmId, string streamSocketPath, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "recover incoming post-copy", async vm =>
        {
            const string operation = "recover incoming post-copy";
            CheckSocketPath(vmId, streamSocketPath);
            await RequirePostCopyPausedAsync(vm, operation, cancellationToken);
            File.Delete(streamSocketPath);

            // Out of band: the target's main loop is most likely blocked on a page only the lost stream could bring.
            try
            {
                await vm.State.Qmp!.ExecuteOutOfBandAsync("migrate-recover", new JsonObject { ["uri"] = "unix:" + streamSocketPath }, _options.CommandTimeout, cancellationToken);
            }
            catch (QmpException ex)
            {
                throw new HypervisorException(vmId, operation, ex.Message, ex);
            }

            _logger.IncomingListening(vmId, vm.State.Pid ?? 0, streamSocketPath);
            return vm.Status;
        }, cancellationToken);

    /// <inheritdoc />
    public Task ResumeOutgoingAsync(string vmId, string streamSocketPath, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "resume outgoing post-copy", async vm =>
        {
            const string operation = "resume outgoing post-copy";
            CheckSocketPath(vmId, streamSocketPath);
            if (vm.State.Migration != VmMigrationState.PostCopyOut)
            {
                throw new VmStateConflictException(vmId, operation, vm.Status.State, "its post-copy migration is not waiting to be recovered");
            }

            await RequirePostCopyPausedAsync(vm, operation, cancellationToken);
            await ExecuteAsync(vm, operation, "migrate", new JsonObject { ["uri"] = "unix:" + streamSocketPath, ["resume"] = true }, cancellationToken);
            _logger.OutgoingStarted(vmId, streamSocketPath);
            return vm.Status;
        }, cancellationToken);

    private async Task RequirePostCopyPausedAsync(QemuVm vm, string operation, CancellationToken cancellationToken)
    {
        var state = (await GetMigrationInfoAsync(vm.Spec.Id, cancellationToken)).State;
        if (state != HypervisorMigrationState.PostcopyPaused)
        {
            throw new VmStateConflictException(vm.Spec.Id, operation, vm.Status.State, $"the hypervisor's migration is {state}, not paused in post-copy");
        }
    }

    /// <inheritdoc />
    public Task<VmStatus> RollBackOutgoingAsync(string vmId, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "roll back outgoing migration", async vm =>
        {
            const string operation = "roll back outgoing migration";
            if (vm.Status.State == VmState.Running)
            {
                return vm.Status;
            }

            if (vm.State.Migration != VmMigrationState.MigratedOut)
            {
                throw new VmStateConflictException(vmId, operation, vm.Status.State, vm.State.Migration == VmMigrationState.PostCopyOut
                    ? "post-copy moved it to another host, which ran it since: this copy's memory is stale"
                    : "no completed outgoing migration to roll back");
            }

            await ExecuteAsync(vm, operation, "cont", null, cancellationToken);
            _logger.MigrationRolledBack(vmId);
            return await ApplyAsync(vm, new QemuVmEvent.RolledBack(), cancellationToken);
        }, cancellationToken);

    private async Task<VmStatus> ListenForIncomingAsync(QemuVm vm, int pid, IncomingLaunch incoming, CancellationToken cancellationToken)
    {
        const string operation = "prepare incoming migration";
        File.Delete(incoming.SocketPath);
        await ExecuteAsync(vm, operation, "migrate-set-capabilities", Capabilities(incoming.Settings, source: false), cancellationToken);
        await ExecuteAsync(vm, operation, "migrate-incoming", new JsonObject { ["uri"] = "unix:" + incoming.SocketPath }, cancellationToken);
        _logger.IncomingListening(vm.Spec.Id, pid, incoming.SocketPath);
        return await ApplyAsync(vm, new QemuVmEvent.Listening(), cancellationToken);
    }

    private async Task<JsonElement> ExecuteAsync(QemuVm vm, string operation, string command, JsonObject? arguments, CancellationToken cancellationToken)
    {
        var qmp = vm.State.Qmp ?? throw new VmStateConflictException(vm.Spec.Id, operation, vm.Status.State, "QEMU is not running");
        try
        {
            return await qmp.ExecuteAsync(command, arguments, _options.CommandTimeout, cancellationToken);
        }
        catch (QmpException ex)
        {
            throw new HypervisorException(vm.Spec.Id, operation, ex.Message, ex);
        }
    }

    // The copy a post-copy migration moved here, while its pages still follow (or wait for a lost stream to come back).
    private static bool IsPostCopyTarget(QemuVmState state) =>
        state.Migration is VmMigrationState.None or VmMigrationState.Incoming
        && state.LastMigrationEvent is HypervisorMigrationState.PostcopyActive or HypervisorMigrationState.PostcopyPaused or HypervisorMigrationState.PostcopyRecover;

    private static async Task<bool> WaitForEventAsync(QmpEventSubscription events, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(pollInterval);
        try
        {
            if (!await events.Reader.WaitToReadAsync(timeout.Token))
            {
                return false;
            }

            while (events.Reader.TryRead(out _))
            {
                // Any event is a reason to look again; the query tells what changed.
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed without an event.
        }

        return true;
    }

    private static MigrationInfo ParseMigration(QemuVm vm, JsonElement reply)
    {
        var word = reply.TryGetProperty("status", out var s) ? s.GetString() : null;
        var status = MigrationInfo.ParseQemuStatus(word);
        long Ram(string name) => reply.TryGetProperty("ram", out var ram) && ram.TryGetProperty(name, out var v) ? v.GetInt64() : 0;
        long Top(string name) => reply.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : -1;
        var pageSize = Ram("page-size") is > 0 and var p ? p : 4096;
        var downtime = Top("downtime");
        var total = Top("total-time");
        var state = vm.State;
        var started = state.OutgoingStartedAt;
        var stoppedAt = started is not null && state.LastStopAt is { } stop && stop >= started ? stop : (DateTimeOffset?)null;
        return new MigrationInfo(
            status,
            Ram("transferred"),
            Ram("remaining"),
            Ram("total"),
            Ram("dirty-pages-rate") * pageSize,
            (int)Math.Min(int.MaxValue, Ram("dirty-sync-count")),
            (int)Math.Max(0, Top("cpu-throttle-percentage")),
            downtime >= 0 ? TimeSpan.FromMilliseconds(downtime) : null,
            total >= 0 ? TimeSpan.FromMilliseconds(total) : null,
            reply.TryGetProperty("error-desc", out var e) ? e.GetString() : null,
            stoppedAt,
            state.LastResumeAt)
        {
            PausedBeforeSwitchover = word == "pre-switchover",
        };
    }

    private static string? MigrationEventStatus(QmpEvent evt) =>
        evt.Data.ValueKind == JsonValueKind.Object && evt.Data.TryGetProperty("status", out var status) ? status.GetString() : null;

    private static JsonObject Capabilities(MigrationSettings settings, bool source)
    {
        // return-path: the target confirms it loaded the state before the source reports "completed", so a source that
        // says completed really handed over a usable VM. postcopy-ram must be on at both ends before the transfer.
        var capabilities = new JsonArray
        {
            Capability("events", true),
            Capability("return-path", true),
            Capability("postcopy-ram", settings.AllowPostCopy),
        };
        if (source)
        {
            capabilities.Add(Capability("auto-converge", settings.AllowAutoConverge));
        }

        return new JsonObject { ["capabilities"] = capabilities };
    }

    private static JsonObject Capability(string name, bool state) => new() { ["capability"] = name, ["state"] = state };

    private static JsonObject Parameters(MigrationSettings settings) => new()
    {
        ["downtime-limit"] = (long)Math.Max(1, settings.MaxDowntime.TotalMilliseconds),
        ["max-bandwidth"] = settings.BandwidthBytesPerSecond > 0 ? settings.BandwidthBytesPerSecond : UnlimitedBandwidth,
    };

    private static MigrationSettings CheckSettings(MigrationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = settings.Validate();
        return errors.Count == 0 ? settings : throw new InvalidVmSpecException(errors.Select(e => new VmSpecError("migration", e)).ToList());
    }

    private static string CheckSocketPath(string vmId, string path)
    {
        // sun_path holds 108 bytes including the terminating NUL.
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path) || System.Text.Encoding.UTF8.GetByteCount(path) > 107)
        {
            throw new InvalidVmSpecException([new VmSpecError("migration.socket", string.Create(CultureInfo.InvariantCulture,
                $"must be an absolute path of at most 107 bytes for VM '{vmId}', got '{path}'"))]);
        }

        return path;
    }

    private sealed record IncomingLaunch(MigrationSettings Settings, string SocketPath);
}
