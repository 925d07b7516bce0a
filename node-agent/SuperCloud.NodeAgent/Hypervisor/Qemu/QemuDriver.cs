using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SuperCloud.Images;
using SuperCloud.NodeAgent.Qmp;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>
/// Runs each VM as a daemonized <c>qemu-system-x86_64</c> managed through QMP. Everything needed to find a VM again
/// lives in its state directory, so a new driver instance (after an agent restart) re-attaches to running QEMUs.
/// </summary>
public sealed partial class QemuDriver : IHypervisorDriver
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly QemuDriverOptions _options;
    private readonly QemuStorage _storage;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<QemuDriver> _logger;
    private readonly ConcurrentDictionary<string, QemuVm> _vms = new(StringComparer.Ordinal);

    private QemuDriver(QemuDriverOptions options, ImageCache images, TimeProvider timeProvider, ILogger<QemuDriver> logger)
    {
        _options = options;
        _storage = new QemuStorage(images, options);
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Name => "qemu";

    /// <summary>
    /// Validates the options, creates the state directory and re-attaches to every VM found in it. VMs boot only from
    /// images in <paramref name="images"/>, the host's cache.
    /// </summary>
    public static async Task<QemuDriver> OpenAsync(QemuDriverOptions options, ImageCache images, TimeProvider timeProvider, ILogger<QemuDriver> logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(images);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid QEMU driver options: " + string.Join("; ", errors), nameof(options));
        }

        Directory.CreateDirectory(options.StateDirectory);
        var driver = new QemuDriver(options, images, timeProvider, logger);
        foreach (var dir in Directory.EnumerateDirectories(options.StateDirectory).Order(StringComparer.Ordinal))
        {
            await driver.ReattachAsync(new QemuVmPaths(dir), cancellationToken);
        }

        return driver;
    }

    /// <inheritdoc />
    public async Task<HypervisorInfo> GetInfoAsync(CancellationToken cancellationToken)
    {
        string version;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(_options.QemuBinary, "--version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            version = (await process.StandardOutput.ReadLineAsync(cancellationToken))?.Trim() ?? "";
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new HypervisorInfo(Name, false, "", $"QEMU not available: cannot run {_options.QemuBinary}: {ex.Message}");
        }

        if (_options.Accelerator == "kvm" && !File.Exists("/dev/kvm"))
        {
            return new HypervisorInfo(Name, false, version, "accelerator kvm configured but /dev/kvm missing");
        }

        return new HypervisorInfo(Name, true, version, $"accelerator {_options.Accelerator}");
    }

    /// <inheritdoc />
    public async Task<VmStatus> CreateAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = spec.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidVmSpecException(errors);
        }

        var paths = new QemuVmPaths(Path.Combine(_options.StateDirectory, spec.Id));
        var status = new VmStatus(spec.Id, VmState.Created, "Created", "", null, _timeProvider.GetUtcNow());
        var vm = new QemuVm(spec with { Nics = spec.Nics ?? [] }, paths, status);
        if (!_vms.TryAdd(spec.Id, vm) || Directory.Exists(paths.Directory))
        {
            _vms.TryRemove(new KeyValuePair<string, QemuVm>(spec.Id, vm));
            throw new VmAlreadyExistsException(spec.Id);
        }

        // All or nothing: a caller that goes away mid-way (the operator killed during the call) must not leave a VM
        // registered without its spec on disk. Pulling the images may take long and follows the caller's token; the
        // writes after it are local and short, so they are not cancelled; a failure removes what was made.
        try
        {
            Directory.CreateDirectory(paths.Directory);
            using (_storage.Pin(vm.Spec))
            {
                await _storage.PrepareAsync(vm.Spec, paths, cancellationToken);
                await WriteAtomicallyAsync(paths.Spec, JsonSerializer.Serialize(vm.Spec, Json));
            }

            await PersistAsync(vm, CancellationToken.None);
        }
        catch
        {
            _vms.TryRemove(new KeyValuePair<string, QemuVm>(spec.Id, vm));
            TryDeleteDirectory(paths.Directory);
            throw;
        }

        _logger.Created(spec.Id, spec.Vcpus, spec.MemoryMib);
        return status;
    }

    /// <inheritdoc />
    public Task<VmStatus> StartAsync(string vmId, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "start", async vm =>
        {
            var state = vm.Status.State;
            if (state == VmState.Running)
            {
                return vm.Status;
            }

            if (state is VmState.Paused or VmState.Unknown)
            {
                throw new VmStateConflictException(vmId, "start", state);
            }

            return await LaunchAsync(vm, cancellationToken);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<VmStatus> StopAsync(string vmId, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "stop", async vm =>
        {
            await TerminateAsync(vm, cancellationToken);
            return vm.Status;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<VmStatus> PauseAsync(string vmId, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "pause", async vm =>
        {
            switch (vm.Status.State)
            {
                case VmState.Paused:
                    return vm.Status;
                case VmState.Running:
                    await ExecuteAsync(vm, "pause", "stop", cancellationToken);
                    return await TransitionAsync(vm, VmState.Paused, "Paused", "", cancellationToken);
                default:
                    throw new VmStateConflictException(vmId, "pause", vm.Status.State);
            }
        }, cancellationToken);

    /// <inheritdoc />
    public Task<VmStatus> ResumeAsync(string vmId, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "resume", async vm =>
        {
            switch (vm.Status.State)
            {
                case VmState.Running:
                    return vm.Status;
                case VmState.Paused when vm.OutgoingActive:
                    throw new VmStateConflictException(vmId, "resume", VmState.Paused,
                        "an outgoing migration is copying its final state; resuming it now would lose what it writes");
                case VmState.Paused when vm.Incoming:
                    throw new VmStateConflictException(vmId, "resume", VmState.Paused,
                        "it is the target of a migration that has not switched over; only the migration resumes it");
                case VmState.Paused when vm.Status.Reason == MigratedOutReason:
                    throw new VmStateConflictException(vmId, "resume", VmState.Paused,
                        "its state was migrated to another host; resuming it here could run it twice (roll the migration back instead)");
                case VmState.Paused:
                    await ExecuteAsync(vm, "resume", "cont", cancellationToken);
                    return await TransitionAsync(vm, VmState.Running, "Resumed", "", cancellationToken);
                default:
                    throw new VmStateConflictException(vmId, "resume", vm.Status.State);
            }
        }, cancellationToken);

    /// <inheritdoc />
    public async Task DeleteAsync(string vmId, CancellationToken cancellationToken)
    {
        var vm = Find(vmId, "delete");
        await vm.OperationLock.WaitAsync(cancellationToken);
        try
        {
            if (!_vms.TryGetValue(vmId, out var current) || current != vm)
            {
                throw new VmNotFoundException(vmId, "delete");
            }

            // Once begun, a delete runs to its end whatever happens to its caller (the operator's deadline passing while
            // QEMU takes its time to quit): one cut short would leave the VM marked deleted yet registered, an id that
            // could then be neither deleted nor created again on this host.
            vm.Deleted = true;
            await TerminateAsync(vm, CancellationToken.None);

            // No state write may run while the directory goes (one would leave a file behind and the directory with
            // it); none starts after, as the VM is Deleted.
            await vm.PersistLock.WaitAsync(CancellationToken.None);
            try
            {
                Directory.Delete(vm.Paths.Directory, recursive: true);
            }
            finally
            {
                vm.PersistLock.Release();
            }

            _vms.TryRemove(new KeyValuePair<string, QemuVm>(vmId, vm));
            vm.CompleteWatchers();
            _logger.Deleted(vmId);
        }
        finally
        {
            vm.OperationLock.Release();
        }
    }

    /// <inheritdoc />
    public Task<VmStatus> GetAsync(string vmId, CancellationToken cancellationToken) =>
        Task.FromResult(Find(vmId, "get").Status);

    /// <inheritdoc />
    public Task<VmSpec> GetSpecAsync(string vmId, CancellationToken cancellationToken) =>
        Task.FromResult(Find(vmId, "get spec of").Spec);

    /// <inheritdoc />
    public Task<IReadOnlyList<VmStatus>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<VmStatus>>(_vms.Values.Select(vm => vm.Status).OrderBy(s => s.Id, StringComparer.Ordinal).ToList());

    /// <inheritdoc />
    public async IAsyncEnumerable<VmStatus> WatchAsync(string vmId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var vm = Find(vmId, "watch");
        var channel = vm.Watch();
        try
        {
            await foreach (var status in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return status;
            }
        }
        finally
        {
            vm.Unwatch(channel);
        }
    }

    /// <inheritdoc />
    public async Task<string> ReadConsoleTailAsync(string vmId, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var vm = Find(vmId, "read console of");
        try
        {
            await using var stream = new FileStream(vm.Paths.ConsoleLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var start = Math.Max(0, stream.Length - maxBytes);
            stream.Seek(start, SeekOrigin.Begin);
            var buffer = new byte[stream.Length - start];
            await stream.ReadExactlyAsync(buffer, cancellationToken);
            return Encoding.UTF8.GetString(buffer);
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    /// <summary>Detaches from every QEMU without stopping it: VMs outlive the agent.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var vm in _vms.Values)
        {
            if (vm.Qmp is { } qmp)
            {
                vm.Qmp = null;
                await qmp.DisposeAsync();
            }

            vm.CompleteWatchers();
        }
    }

    private QemuVm Find(string vmId, string operation) =>
        _vms.TryGetValue(vmId ?? "", out var vm) ? vm : throw new VmNotFoundException(vmId ?? "", operation);

    private async Task<VmStatus> WithVmAsync(string vmId, string operation, Func<QemuVm, Task<VmStatus>> action, CancellationToken cancellationToken)
    {
        var vm = Find(vmId, operation);
        await vm.OperationLock.WaitAsync(cancellationToken);
        try
        {
            if (vm.Deleted)
            {
                throw new VmNotFoundException(vmId, operation);
            }

            return await action(vm);
        }
        finally
        {
            vm.OperationLock.Release();
        }
    }

    private async Task<VmStatus> LaunchAsync(QemuVm vm, CancellationToken cancellationToken, IncomingLaunch? incoming = null)
    {
        var paths = vm.Paths;
        File.Delete(paths.QmpSocket);
        File.Delete(paths.Pid);
        // A memory file left by the previous boot would hand the new guest the old boot's RAM.
        File.Delete(paths.Memory);
        // Each boot gets a fresh console log, so "the console" always means the current boot.
        await File.WriteAllBytesAsync(paths.ConsoleLog, [], cancellationToken);
        vm.StopRequested = false;
        vm.ShutdownReason = null;

        try
        {
            var files = await _storage.ResolveAsync(vm.Spec, paths, cancellationToken);
            var psi = new ProcessStartInfo(_options.QemuBinary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in QemuCommandLine.Build(vm.Spec, files, paths, _options.Accelerator, _options.SharedMemoryFile, incoming is not null))
            {
                psi.ArgumentList.Add(arg);
            }

            await LaunchProcessAsync(vm, psi, cancellationToken);
            var pid = QemuProcess.ReadPidFile(paths.Pid)
                ?? throw new HypervisorException(vm.Spec.Id, "start", $"QEMU daemonized but wrote no pid to {paths.Pid}");
            vm.Pid = pid;
            var qmp = await QmpClient.ConnectAsync(paths.QmpSocket, _timeProvider, _options.CommandTimeout, cancellationToken);
            AttachMonitor(vm, qmp);
            if (_options.Accelerator == "kvm")
            {
                var kvm = await ExecuteAsync(vm, "start", "query-kvm", cancellationToken);
                if (!kvm.GetProperty("enabled").GetBoolean())
                {
                    throw new HypervisorUnavailableException(Name, "accelerator kvm requested but QEMU reports KVM disabled");
                }
            }

            if (incoming is not null)
            {
                return await ListenForIncomingAsync(vm, pid, incoming, cancellationToken);
            }

            await ExecuteAsync(vm, "start", "cont", cancellationToken);
            if (_options.Accelerator == "kvm")
            {
                await WaitForGuestProgressAsync(vm, cancellationToken);
            }

            _logger.Started(vm.Spec.Id, pid, _options.Accelerator);
            return await TransitionAsync(vm, VmState.Running, "Started", "", cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.StartFailed(ex, vm.Spec.Id);
            await TerminateAsync(vm, CancellationToken.None);
            await TransitionAsync(vm, VmState.Stopped, "StartFailed", ex.Message, CancellationToken.None);
            if (ex is QmpException qmpError)
            {
                throw new HypervisorException(vm.Spec.Id, "start", qmpError.Message, qmpError);
            }

            throw;
        }
    }

    private async Task LaunchProcessAsync(QemuVm vm, ProcessStartInfo psi, CancellationToken cancellationToken)
    {
        using var process = Process.Start(psi) ?? throw new HypervisorException(vm.Spec.Id, "start", $"cannot run {psi.FileName}");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        using var timeout = new CancellationTokenSource(_options.LaunchTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new HypervisorException(vm.Spec.Id, "start",
                $"QEMU (accelerator {_options.Accelerator}) did not finish starting within {_options.LaunchTimeout.TotalSeconds:0.#} s" +
                (_options.Accelerator == "kvm" ? "; KVM is known to hang on some hosts, use accelerator tcg" : ""));
        }

        if (process.ExitCode != 0)
        {
            var message = (await stderr.WaitAsync(_options.CommandTimeout, _timeProvider, cancellationToken)).Trim();
            throw new HypervisorException(vm.Spec.Id, "start", $"QEMU exited with code {process.ExitCode}: {message}");
        }
    }

    private async Task WaitForGuestProgressAsync(QemuVm vm, CancellationToken cancellationToken)
    {
        var deadline = _timeProvider.GetUtcNow() + _options.KvmProgressTimeout;
        while (new FileInfo(vm.Paths.ConsoleLog).Length == 0)
        {
            if (_timeProvider.GetUtcNow() >= deadline)
            {
                throw new HypervisorUnavailableException(Name,
                    $"accelerator kvm: VM '{vm.Spec.Id}' wrote nothing to its console within {_options.KvmProgressTimeout.TotalSeconds:0.#} s " +
                    "(the vCPU makes no progress: KVM hangs on this host); use accelerator tcg");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), _timeProvider, cancellationToken);
        }
    }

    private void AttachMonitor(QemuVm vm, QmpClient qmp)
    {
        vm.Qmp = qmp;
        var subscription = qmp.SubscribeEvents();
        vm.Monitor = Task.Run(() => MonitorAsync(vm, qmp, subscription), CancellationToken.None);
    }

    // Follows QEMU's events for one process lifetime and records how that lifetime ended.
    private async Task MonitorAsync(QemuVm vm, QmpClient qmp, QmpEventSubscription subscription)
    {
        using (subscription)
        {
            await foreach (var evt in subscription.Reader.ReadAllAsync(CancellationToken.None))
            {
                switch (evt.Name)
                {
                    case "STOP":
                        vm.LastStopAt = evt.Timestamp;
                        if (vm.Status.State == VmState.Running)
                        {
                            await TransitionAsync(vm, VmState.Paused, "Paused", "", CancellationToken.None);
                        }

                        break;
                    case "RESUME":
                        vm.LastResumeAt = evt.Timestamp;
                        if (vm.Status.State == VmState.Paused && !vm.Incoming)
                        {
                            await TransitionAsync(vm, VmState.Running, "Resumed", "", CancellationToken.None);
                        }

                        break;
                    case "MIGRATION" when MigrationEventStatus(evt) is "failed" or "cancelled":
                        vm.OutgoingActive = false;
                        break;
                    case "MIGRATION" when !vm.Incoming && vm.OutgoingStartedAt is not null && MigrationEventStatus(evt) == "completed":
                        vm.OutgoingActive = false;
                        // From here on the state lives on the target: this copy must never run again.
                        await TransitionAsync(vm, VmState.Paused, MigratedOutReason, MigratedOutMessage, CancellationToken.None);
                        break;
                    case "SHUTDOWN":
                        vm.ShutdownReason = evt.Data.ValueKind == JsonValueKind.Object && evt.Data.TryGetProperty("reason", out var r) ? r.GetString() : "unknown";
                        break;
                }
            }
        }

        // The connection closed: QEMU is exiting (or the driver is being disposed, which leaves QEMU running).
        if (!ReferenceEquals(vm.Qmp, qmp))
        {
            return;
        }

        if (vm.Pid is { } pid)
        {
            await QemuProcess.WaitForExitAsync(pid, vm.Paths.QmpSocket, _timeProvider, _options.StopTimeout, CancellationToken.None);
        }

        vm.Qmp = null;
        vm.Pid = null;
        await qmp.DisposeAsync();
        if (vm.Deleted)
        {
            return;
        }

        var (state, reason, message) = (vm.StopRequested, vm.ShutdownReason) switch
        {
            (true, _) => (VmState.Stopped, "Stopped", ""),
            (false, _) when vm.Incoming => (VmState.Crashed, IncomingFailedReason, "QEMU exited before the incoming migration switched over"),
            (false, "guest-shutdown") => (VmState.Stopped, "GuestShutdown", "the guest powered off"),
            (false, { } why) => (VmState.Crashed, "ProcessExited", $"QEMU exited: {why}"),
            _ => (VmState.Crashed, "ProcessExited", "QEMU exited without a shutdown event"),
        };
        if (state == VmState.Crashed)
        {
            _logger.ExitedUnexpectedly(vm.Spec.Id, message);
        }

        await TransitionAsync(vm, state, reason, message, CancellationToken.None);
    }

    // Ends the VM's QEMU (quit, then kill after the timeout) and waits until its exit has been recorded.
    private async Task TerminateAsync(QemuVm vm, CancellationToken cancellationToken)
    {
        vm.StopRequested = true;
        var pid = vm.Pid ?? QemuProcess.ReadPidFile(vm.Paths.Pid);
        if (vm.Qmp is { } qmp)
        {
            try
            {
                await qmp.ExecuteAsync("quit", null, _options.CommandTimeout, cancellationToken);
            }
            catch (QmpException ex)
            {
                _logger.QuitFailed(vm.Spec.Id, ex.Message);
            }
        }

        if (pid is { } p && !await QemuProcess.WaitForExitAsync(p, vm.Paths.QmpSocket, _timeProvider, _options.StopTimeout, cancellationToken))
        {
            _logger.KillingAfterTimeout(vm.Spec.Id, p, _options.StopTimeout);
        }

        if (pid is { } q)
        {
            await QemuProcess.KillAsync(q, vm.Paths.QmpSocket, _timeProvider, _options.StopTimeout, cancellationToken);
        }

        if (vm.Qmp is { } stale)
        {
            // The monitor records the exit once the connection drops; a killed QEMU drops it too.
            await stale.Completion.WaitAsync(_options.StopTimeout, _timeProvider, cancellationToken);
        }

        await vm.Monitor.WaitAsync(_options.StopTimeout, _timeProvider, cancellationToken);
        if (vm.Status.State is VmState.Running or VmState.Paused or VmState.Unknown)
        {
            await TransitionAsync(vm, VmState.Stopped, "Stopped", "", cancellationToken);
        }
    }

    private async Task<JsonElement> ExecuteAsync(QemuVm vm, string operation, string command, CancellationToken cancellationToken)
    {
        var qmp = vm.Qmp ?? throw new VmStateConflictException(vm.Spec.Id, operation, vm.Status.State);
        try
        {
            return await qmp.ExecuteAsync(command, null, _options.CommandTimeout, cancellationToken);
        }
        catch (QmpException ex)
        {
            throw new HypervisorException(vm.Spec.Id, operation, ex.Message, ex);
        }
    }

    private async Task<VmStatus> TransitionAsync(QemuVm vm, VmState state, string reason, string message, CancellationToken cancellationToken)
    {
        var status = new VmStatus(vm.Spec.Id, state, reason, message, state is VmState.Running or VmState.Paused ? vm.Pid : null, _timeProvider.GetUtcNow());
        if (vm.SetStatus(status) && !vm.Deleted)
        {
            await PersistAsync(vm, cancellationToken);
        }

        return vm.Status;
    }

    private static async Task PersistAsync(QemuVm vm, CancellationToken cancellationToken)
    {
        // One writer at a time, and it writes the status as it is now: two transitions recorded at once end with the
        // later one on disk, whichever write runs last. Write-then-rename: a crash mid-write must not leave a state file
        // the next agent cannot read.
        await vm.PersistLock.WaitAsync(cancellationToken);
        try
        {
            if (vm.Deleted)
            {
                return;
            }

            var temp = vm.Paths.State + ".tmp";
            await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(vm.Status, Json), cancellationToken);
            File.Move(temp, vm.Paths.State, overwrite: true);
        }
        finally
        {
            vm.PersistLock.Release();
        }
    }

    private static async Task WriteAtomicallyAsync(string path, string text)
    {
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, CancellationToken.None);
        File.Move(temp, path, overwrite: true);
    }

    private void TryDeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.IgnoringDirectory(directory, $"could not remove it after a failed create: {ex.Message}");
        }
    }

    private async Task ReattachAsync(QemuVmPaths paths, CancellationToken cancellationToken)
    {
        VmSpec spec;
        VmStatus persisted;
        try
        {
            spec = JsonSerializer.Deserialize<VmSpec>(await File.ReadAllTextAsync(paths.Spec, cancellationToken), Json)
                ?? throw new JsonException("empty spec");
            persisted = File.Exists(paths.State)
                ? JsonSerializer.Deserialize<VmStatus>(await File.ReadAllTextAsync(paths.State, cancellationToken), Json) ?? throw new JsonException("empty state")
                : new VmStatus(spec.Id, VmState.Created, "Created", "", null, _timeProvider.GetUtcNow());
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            _logger.IgnoringDirectory(paths.Directory, ex.Message);
            return;
        }

        var vm = new QemuVm(spec with { Nics = spec.Nics ?? [] }, paths, persisted);
        _vms[spec.Id] = vm;
        var pid = QemuProcess.ReadPidFile(paths.Pid);
        if (pid is { } p && QemuProcess.IsAlive(p, paths.QmpSocket))
        {
            try
            {
                vm.Pid = p;
                var qmp = await QmpClient.ConnectAsync(paths.QmpSocket, _timeProvider, _options.CommandTimeout, cancellationToken);
                AttachMonitor(vm, qmp);
                var status = await qmp.ExecuteAsync("query-status", null, _options.CommandTimeout, cancellationToken);
                var runState = status.GetProperty("status").GetString() ?? "";
                var state = QemuCommandLine.MapRunState(runState);
                vm.Incoming = state == VmState.Paused && (runState == "inmigrate" || persisted.Reason == IncomingMigrationReason);
                var (reason, message) = runState == "postmigrate" || (state == VmState.Paused && persisted.Reason == MigratedOutReason)
                    ? (MigratedOutReason, MigratedOutMessage)
                    : vm.Incoming ? (IncomingMigrationReason, $"re-attached to QEMU pid {p}, the target of a migration that has not switched over")
                    : ("Reattached", $"re-attached to QEMU pid {p}");
                if (reason == MigratedOutReason)
                {
                    // Keeps the monitor from mistaking a later event for a fresh outgoing migration's start.
                    vm.OutgoingStartedAt = persisted.Since;
                }

                await TransitionAsync(vm, state, reason, message, cancellationToken);
                _logger.Reattached(spec.Id, p, state);
            }
            catch (QmpException ex)
            {
                await TransitionAsync(vm, VmState.Unknown, "QmpUnreachable", $"QEMU pid {p} runs but QMP failed: {ex.Message}", cancellationToken);
                _logger.QmpUnreachable(spec.Id, p, ex.Message);
            }
        }
        else if (persisted.State is VmState.Running or VmState.Paused or VmState.Unknown)
        {
            await TransitionAsync(vm, VmState.Crashed, "ProcessGone", "QEMU exited while the agent was not watching", cancellationToken);
            _logger.ProcessGone(spec.Id, persisted.State);
        }
    }
}
