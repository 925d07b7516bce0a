using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using SuperCloud.Agent.V1;
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
    private readonly ConsoleLogRotator _consoleLogs;

    private QemuDriver(QemuDriverOptions options, ImageCache images, TimeProvider timeProvider, ILogger<QemuDriver> logger)
    {
        _options = options;
        _storage = new QemuStorage(images, options);
        _timeProvider = timeProvider;
        _logger = logger;
        _consoleLogs = new ConsoleLogRotator(options.StateDirectory, options.ConsoleLogMaxSize, options.ConsoleLogMaxFiles, options.ConsoleLogCheckInterval, timeProvider, logger);
    }

    /// <inheritdoc />
    public string Name => "qemu";

    /// <inheritdoc />
    public string StateDirectory => _options.StateDirectory;

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
                    return await ApplyAsync(vm, new QemuVmEvent.Paused(), cancellationToken);
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
                case VmState.Paused when vm.State.Migration == VmMigrationState.Outgoing:
                    throw new VmStateConflictException(vmId, "resume", VmState.Paused,
                        "an outgoing migration is copying its final state; resuming it now would lose what it writes");
                case VmState.Paused when vm.State.Migration == VmMigrationState.Incoming:
                    throw new VmStateConflictException(vmId, "resume", VmState.Paused,
                        "it is the target of a migration that has not switched over; only the migration resumes it");
                case VmState.Paused when vm.State.Migration == VmMigrationState.MigratedOut:
                    throw new VmStateConflictException(vmId, "resume", VmState.Paused,
                        "its state was migrated to another host; resuming it here could run it twice (roll the migration back instead)");
                case VmState.Paused when vm.State.Migration == VmMigrationState.PostCopyOut:
                    throw new VmStateConflictException(vmId, "resume", VmState.Paused,
                        "post-copy moved it to another host, which ran it since: this copy's memory is stale and it never resumes");
                case VmState.Paused:
                    await ExecuteAsync(vm, "resume", "cont", cancellationToken);
                    return await ApplyAsync(vm, new QemuVmEvent.Resumed(), cancellationToken);
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
            vm.Apply(new QemuVmEvent.Stopping(Delete: true), _timeProvider.GetUtcNow());
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
        return await ConsoleLogRotator.ReadTailAsync(vm.Paths.ConsoleLog, maxBytes, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Stream> AttachConsoleAsync(string vmId, CancellationToken cancellationToken)
    {
        var vm = Find(vmId, "attach to the console of");
        if (vm.Status.State is not (VmState.Running or VmState.Paused))
        {
            throw new VmStateConflictException(vmId, "attach to the console", vm.Status.State);
        }

        // QEMU serves one connection on the socket and queues the next silently: refuse a second session instead.
        if (!await vm.ConsoleSession.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            throw new VmStateConflictException(vmId, "attach to the console", vm.Status.State, "another console session is attached");
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(vm.Paths.ConsoleSocket), cancellationToken);
            return new QemuConsoleStream(new NetworkStream(socket, ownsSocket: true), vm.ConsoleSession);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            vm.ConsoleSession.Release();
            throw new HypervisorException(vmId, "attach to the console", $"QEMU's console socket {vm.Paths.ConsoleSocket} refused the connection: {e.Message}");
        }
        catch
        {
            socket.Dispose();
            vm.ConsoleSession.Release();
            throw;
        }
    }

    /// <summary>Detaches from every QEMU without stopping it: VMs outlive the agent.</summary>
    public async ValueTask DisposeAsync()
    {
        await _consoleLogs.DisposeAsync();
        foreach (var vm in _vms.Values)
        {
            if (vm.State.Qmp is { } qmp)
            {
                vm.Apply(new QemuVmEvent.Detached(qmp), _timeProvider.GetUtcNow());
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
            if (vm.State.Deleted)
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
        for (var generation = 1; generation <= 10; generation++)
        {
            File.Delete(ConsoleLogRotator.Rotated(paths.ConsoleLog, generation));
        }

        vm.Apply(new QemuVmEvent.Launching(incoming?.SocketPath), _timeProvider.GetUtcNow());

        try
        {
            var files = await _storage.ResolveAsync(vm.Spec, paths, cancellationToken);
            var psi = new ProcessStartInfo(_options.QemuBinary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in QemuCommandLine.Build(vm.Spec, files, paths, _options.Accelerator, _options.SharedMemoryFile, incoming is not null, _options.ObserverSocket))
            {
                psi.ArgumentList.Add(arg);
            }

            await LaunchProcessAsync(vm, psi, cancellationToken);
            var pid = QemuProcess.ReadPidFile(paths.Pid)
                ?? throw new HypervisorException(vm.Spec.Id, "start", $"QEMU daemonized but wrote no pid to {paths.Pid}");
            vm.Apply(new QemuVmEvent.ProcessStarted(pid), _timeProvider.GetUtcNow());
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
            return await ApplyAsync(vm, new QemuVmEvent.Booted(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.StartFailed(ex, vm.Spec.Id);
            await TerminateAsync(vm, CancellationToken.None);
            await ApplyAsync(vm, new QemuVmEvent.StartFailed(ex.Message), CancellationToken.None);
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
        // Subscribed before anything else, so no event of this process is missed; the monitor waits until the VM knows
        // this connection, or it could take the process's exit for an older one's.
        var subscription = qmp.SubscribeEvents();
        var attached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var monitor = Task.Run(async () =>
        {
            await attached.Task;
            await MonitorAsync(vm, qmp, subscription);
        }, CancellationToken.None);
        vm.Apply(new QemuVmEvent.Attached(qmp, monitor), _timeProvider.GetUtcNow());
        attached.SetResult();
    }

    // Follows QEMU's events for one process lifetime and applies them, then applies how that lifetime ended.
    private async Task MonitorAsync(QemuVm vm, QmpClient qmp, QmpEventSubscription subscription)
    {
        using (subscription)
        {
            await foreach (var evt in subscription.Reader.ReadAllAsync(CancellationToken.None))
            {
                QemuVmEvent? happened = evt.Name switch
                {
                    "STOP" => new QemuVmEvent.QemuStop(evt.Timestamp),
                    "RESUME" => new QemuVmEvent.QemuResume(evt.Timestamp),
                    "MIGRATION" => new QemuVmEvent.QemuMigration(MigrationInfo.ParseQemuStatus(MigrationEventStatus(evt))),
                    "SHUTDOWN" => new QemuVmEvent.QemuShutdown(
                        evt.Data.ValueKind == JsonValueKind.Object && evt.Data.TryGetProperty("reason", out var r) ? r.GetString() ?? "unknown" : "unknown"),
                    _ => null,
                };
                if (happened is not null)
                {
                    await ApplyAsync(vm, happened, CancellationToken.None);
                }
            }
        }

        // The connection closed: QEMU is exiting (or the driver detached, which leaves QEMU running).
        if (!ReferenceEquals(vm.State.Qmp, qmp))
        {
            return;
        }

        if (vm.State.Pid is { } pid)
        {
            await QemuProcess.WaitForExitAsync(pid, vm.Paths.QmpSocket, _timeProvider, _options.StopTimeout, CancellationToken.None);
        }

        var status = await ApplyAsync(vm, new QemuVmEvent.Exited(qmp), CancellationToken.None);
        await qmp.DisposeAsync();
        if (status.State == VmState.Crashed && !vm.State.Deleted)
        {
            _logger.ExitedUnexpectedly(vm.Spec.Id, status.Message);
        }
    }

    // Ends the VM's QEMU (quit, then kill after the timeout) and waits until its exit has been recorded.
    private async Task TerminateAsync(QemuVm vm, CancellationToken cancellationToken)
    {
        var state = vm.Apply(new QemuVmEvent.Stopping(Delete: false), _timeProvider.GetUtcNow()).After;
        var pid = state.Pid ?? QemuProcess.ReadPidFile(vm.Paths.Pid);
        if (state.Qmp is { } qmp)
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

        if (vm.State.Qmp is { } stale)
        {
            // The monitor records the exit once the connection drops; a killed QEMU drops it too.
            await stale.Completion.WaitAsync(_options.StopTimeout, _timeProvider, cancellationToken);
        }

        await vm.State.Monitor.WaitAsync(_options.StopTimeout, _timeProvider, cancellationToken);
        await ApplyAsync(vm, new QemuVmEvent.Terminated(), cancellationToken);
    }

    private async Task<JsonElement> ExecuteAsync(QemuVm vm, string operation, string command, CancellationToken cancellationToken)
    {
        var qmp = vm.State.Qmp ?? throw new VmStateConflictException(vm.Spec.Id, operation, vm.Status.State);
        try
        {
            return await qmp.ExecuteAsync(command, null, _options.CommandTimeout, cancellationToken);
        }
        catch (QmpException ex)
        {
            throw new HypervisorException(vm.Spec.Id, operation, ex.Message, ex);
        }
    }

    // Applies evt and records the new status on disk when it changed.
    private async Task<VmStatus> ApplyAsync(QemuVm vm, QemuVmEvent evt, CancellationToken cancellationToken)
    {
        var (before, after) = vm.Apply(evt, _timeProvider.GetUtcNow());
        if (QemuVm.StatusChanged(before.Status, after.Status) && !after.Deleted)
        {
            await PersistAsync(vm, cancellationToken);
        }

        return after.Status;
    }

    private static async Task PersistAsync(QemuVm vm, CancellationToken cancellationToken)
    {
        // One writer at a time, and it writes the status as it is now: two transitions recorded at once end with the
        // later one on disk, whichever write runs last. Write-then-rename: a crash mid-write must not leave a state file
        // the next agent cannot read.
        await vm.PersistLock.WaitAsync(cancellationToken);
        try
        {
            if (vm.State.Deleted)
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
                vm.Apply(new QemuVmEvent.ProcessStarted(p), _timeProvider.GetUtcNow());
                var qmp = await QmpClient.ConnectAsync(paths.QmpSocket, _timeProvider, _options.CommandTimeout, cancellationToken);
                AttachMonitor(vm, qmp);
                var runState = (await qmp.ExecuteAsync("query-status", null, _options.CommandTimeout, cancellationToken)).GetProperty("status").GetString() ?? "";
                var migration = await qmp.ExecuteAsync("query-migrate", null, _options.CommandTimeout, cancellationToken);
                var migrationState = MigrationInfo.ParseQemuStatus(migration.TryGetProperty("status", out var m) ? m.GetString() : null);
                var status = await ApplyAsync(vm, new QemuVmEvent.Reattached(p, runState, migrationState), cancellationToken);
                _logger.Reattached(spec.Id, p, status.State);
            }
            catch (QmpException ex)
            {
                await ApplyAsync(vm, new QemuVmEvent.Unreachable(p, ex.Message), cancellationToken);
                _logger.QmpUnreachable(spec.Id, p, ex.Message);
            }
        }
        else if (persisted.State is VmState.Running or VmState.Paused or VmState.Unknown)
        {
            await ApplyAsync(vm, new QemuVmEvent.Gone(), cancellationToken);
            _logger.ProcessGone(spec.Id, persisted.State);
        }
    }
}
