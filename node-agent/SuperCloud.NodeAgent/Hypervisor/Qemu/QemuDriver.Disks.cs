using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>
/// Disks that move with a live migration, as libvirt moves non-shared storage: the target QEMU exports its fresh overlays
/// writable over NBD, the source QEMU mirrors each disk's top layer into them (blockdev-mirror, write-blocking once in
/// sync), the memory migration pauses before its switch-over until the mirror is completed, and the target stops serving
/// before it resumes. The images' bases are never sent: the target pulled the same digests from its own registry.
/// </summary>
public sealed partial class QemuDriver
{
    private const string MirrorPrefix = "mirror-";

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListDisksAsync(string vmId, CancellationToken cancellationToken)
    {
        var vm = Find(vmId, "list disks of");
        var files = await _storage.ResolveAsync(vm.Spec, vm.Paths, cancellationToken);
        return [.. files.Disks.Select(d => d.Name)];
    }

    /// <inheritdoc />
    public Task ExportDisksAsync(string vmId, string socketPath, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "export disks of", async vm =>
        {
            const string operation = "export disks of";
            if (vm.State.Migration != VmMigrationState.Incoming)
            {
                throw new VmStateConflictException(vmId, operation, vm.Status.State, "only the target of a migration serves its disks");
            }

            var files = await _storage.ResolveAsync(vm.Spec, vm.Paths, cancellationToken);
            if (files.Disks.Count == 0 || vm.DisksExported)
            {
                return vm.Status;
            }

            CheckSocketPath(vmId, socketPath);
            File.Delete(socketPath);
            await ExecuteAsync(vm, operation, "nbd-server-start",
                new JsonObject { ["addr"] = new JsonObject { ["type"] = "unix", ["data"] = new JsonObject { ["path"] = socketPath } } }, cancellationToken);
            vm.DisksExported = true;
            for (var i = 0; i < files.Disks.Count; i++)
            {
                await ExecuteAsync(vm, operation, "block-export-add", new JsonObject
                {
                    ["type"] = "nbd",
                    ["id"] = "export-" + QemuDiskFile.NodeName(i),
                    ["node-name"] = QemuDiskFile.NodeName(i),
                    ["name"] = files.Disks[i].Name,
                    ["writable"] = true,
                }, cancellationToken);
            }

            return vm.Status;
        }, cancellationToken);

    /// <inheritdoc />
    public Task StartDiskMirrorAsync(string vmId, IReadOnlyDictionary<string, string> socketByDisk, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "mirror disks of", async vm =>
        {
            const string operation = "mirror disks of";
            ArgumentNullException.ThrowIfNull(socketByDisk);
            if (vm.Status.State != VmState.Running || vm.State.Migration == VmMigrationState.Incoming || vm.MirrorJobs.Count > 0)
            {
                throw new VmStateConflictException(vmId, operation, vm.Status.State,
                    vm.MirrorJobs.Count > 0 ? "its disks are being mirrored already" : "only a running VM migrates live");
            }

            var files = await _storage.ResolveAsync(vm.Spec, vm.Paths, cancellationToken);
            var jobs = new List<(string Job, string Node)>();

            // Each mirror's nodes and jobs get fresh names: a node a failed mirror could not remove never blocks the next.
            var generation = Guid.NewGuid().ToString("N")[..8];
            try
            {
                for (var i = 0; i < files.Disks.Count; i++)
                {
                    var disk = files.Disks[i];
                    var socket = socketByDisk.TryGetValue(disk.Name, out var path) ? CheckSocketPath(vmId, path)
                        : throw new InvalidVmSpecException([new VmSpecError("migration.disks", $"no stream socket for disk {disk.Name}")]);
                    var target = string.Create(CultureInfo.InvariantCulture, $"{MirrorPrefix}{QemuDiskFile.NodeName(i)}-{generation}");

                    // Connecting runs the NBD handshake through the agents' relay, which is listening already.
                    await ExecuteAsync(vm, operation, "blockdev-add", new JsonObject
                    {
                        ["driver"] = "nbd",
                        ["node-name"] = target,
                        ["server"] = new JsonObject { ["type"] = "unix", ["path"] = socket },
                        ["export"] = disk.Name,
                    }, cancellationToken);
                    jobs.Add((target, target));
                    vm.MirrorJobs = [.. jobs];

                    // sync top: the target's overlay has the same base, pulled by digest; only the top layer's data moves.
                    // write-blocking: once in sync a guest write completes on both sides, so the mirror converges.
                    // auto-dismiss off: a failed job stays (with its error) until the agent has read it.
                    await ExecuteAsync(vm, operation, "blockdev-mirror", new JsonObject
                    {
                        ["job-id"] = target,
                        ["device"] = QemuDiskFile.NodeName(i),
                        ["target"] = target,
                        ["sync"] = "top",
                        ["copy-mode"] = "write-blocking",
                        ["auto-dismiss"] = false,
                    }, cancellationToken);
                }
            }
            catch
            {
                await AbandonMirrorAsync(vm, CancellationToken.None);
                throw;
            }

            _logger.DiskMirrorStarted(vmId, jobs.Count);
            return vm.Status;
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<DiskMirrorInfo> GetDiskMirrorAsync(string vmId, CancellationToken cancellationToken)
    {
        var vm = Find(vmId, "get disk mirror of");
        if (vm.MirrorJobs.Count == 0)
        {
            return DiskMirrorInfo.None;
        }

        if (vm.State.Qmp is not { } qmp)
        {
            return new DiskMirrorInfo(0, 0, false, "QEMU is not running");
        }

        JsonElement jobs;
        try
        {
            jobs = await qmp.ExecuteAsync("query-block-jobs", null, _options.CommandTimeout, cancellationToken);
        }
        catch (Qmp.QmpException ex)
        {
            throw new HypervisorException(vmId, "get disk mirror of", ex.Message, ex);
        }

        long done = 0, total = 0;
        var ready = true;
        string? error = null;
        foreach (var (job, _) in vm.MirrorJobs)
        {
            var found = jobs.EnumerateArray().FirstOrDefault(j => j.GetProperty("device").GetString() == job);
            if (found.ValueKind != JsonValueKind.Object)
            {
                error ??= $"the mirror of {DiskOf(job)} ended unexpectedly";
                continue;
            }

            done += found.GetProperty("offset").GetInt64();
            total += found.GetProperty("len").GetInt64();
            ready &= found.TryGetProperty("ready", out var r) && r.GetBoolean();
            if (found.TryGetProperty("error", out var e))
            {
                error ??= $"the mirror of {DiskOf(job)} failed: {e.GetString()}";
            }
            else if (found.GetProperty("status").GetString() is "concluded" or "null" or "aborting")
            {
                error ??= $"the mirror of {DiskOf(job)} ended before the switch-over";
            }
        }

        return new DiskMirrorInfo(done, Math.Max(0, total - done), ready && error is null, error);
    }

    /// <inheritdoc />
    public Task CompleteDiskMirrorAsync(string vmId, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "complete disk mirror of", async vm =>
        {
            const string operation = "complete disk mirror of";
            if (vm.MirrorJobs.Count == 0)
            {
                return vm.Status;
            }

            var info = await GetDiskMirrorAsync(vmId, cancellationToken);
            if (!info.Ready)
            {
                throw new HypervisorException(vmId, operation, info.Error ?? $"the disks are not in sync ({info.RemainingBytes} bytes behind)");
            }

            // Cancelling a mirror that is in sync completes it: QEMU copies what is left and leaves the target identical.
            foreach (var (job, _) in vm.MirrorJobs)
            {
                await ExecuteAsync(vm, operation, "block-job-cancel", new JsonObject { ["device"] = job }, cancellationToken);
            }

            var failure = await WaitConcludedAsync(vm, operation, cancellationToken);
            await AbandonMirrorAsync(vm, cancellationToken);
            if (failure is not null)
            {
                throw new HypervisorException(vmId, operation, failure);
            }

            _logger.DiskMirrorCompleted(vmId);
            return vm.Status;
        }, cancellationToken);

    /// <inheritdoc />
    public Task CancelDiskMirrorAsync(string vmId, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "cancel disk mirror of", async vm =>
        {
            if (vm.MirrorJobs.Count > 0 && vm.State.Qmp is not null)
            {
                await AbandonMirrorAsync(vm, cancellationToken);
            }

            return vm.Status;
        }, cancellationToken);

    /// <inheritdoc />
    public Task ContinueOutgoingAsync(string vmId, CancellationToken cancellationToken) =>
        WithVmAsync(vmId, "continue outgoing migration", async vm =>
        {
            await ExecuteAsync(vm, "continue outgoing migration", "migrate-continue", new JsonObject { ["state"] = "pre-switchover" }, cancellationToken);
            return vm.Status;
        }, cancellationToken);

    // Migrations of a VM whose disks are mirrored stop before the switch-over, so the mirror can complete while the VM
    // is paused; without a mirror they do not.
    private Task<JsonElement> SetPauseBeforeSwitchoverAsync(QemuVm vm, CancellationToken cancellationToken) =>
        ExecuteAsync(vm, "start outgoing migration", "migrate-set-capabilities", new JsonObject
        {
            ["capabilities"] = new JsonArray { Capability("pause-before-switchover", vm.MirrorJobs.Count > 0) },
        }, cancellationToken);

    // Target: no more writes from the source once the VM runs here.
    private async Task StopExportsAsync(QemuVm vm, CancellationToken cancellationToken)
    {
        if (vm.DisksExported)
        {
            await ExecuteAsync(vm, "resume migrated-in VM", "nbd-server-stop", null, cancellationToken);
            vm.DisksExported = false;
        }
    }

    // Waits until every mirror job has concluded; returns the first job's error, or null.
    private async Task<string?> WaitConcludedAsync(QemuVm vm, string operation, CancellationToken cancellationToken)
    {
        var deadline = _timeProvider.GetUtcNow() + _options.StopTimeout + _options.CommandTimeout;
        while (true)
        {
            var jobs = await ExecuteAsync(vm, operation, "query-block-jobs", null, cancellationToken);
            var ours = jobs.EnumerateArray().Where(j => vm.MirrorJobs.Any(m => m.Job == j.GetProperty("device").GetString())).ToList();
            if (ours.All(j => j.GetProperty("status").GetString() is "concluded" or "null"))
            {
                return ours.Select(j => j.TryGetProperty("error", out var e) ? e.GetString() : null).FirstOrDefault(e => e is not null);
            }

            if (_timeProvider.GetUtcNow() > deadline)
            {
                return string.Create(CultureInfo.InvariantCulture, $"the disk mirror did not finish within {(_options.StopTimeout + _options.CommandTimeout).TotalSeconds:0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), _timeProvider, cancellationToken);
        }
    }

    // Ends every mirror job of the VM (forcibly when still running), dismisses them and removes the NBD clients, which
    // closes the connections to the target. Best effort: a job or node already gone is fine.
    private async Task AbandonMirrorAsync(QemuVm vm, CancellationToken cancellationToken)
    {
        const string operation = "end disk mirror of";
        foreach (var (job, _) in vm.MirrorJobs)
        {
            await TryExecuteAsync(vm, operation, "block-job-cancel", new JsonObject { ["device"] = job, ["force"] = true }, cancellationToken);
        }

        try
        {
            await WaitConcludedAsync(vm, operation, cancellationToken);
        }
        catch (HypervisorException ex)
        {
            _logger.DiskMirrorCleanupFailed(vm.Spec.Id, "query-block-jobs", ex.Message);
        }

        foreach (var (job, node) in vm.MirrorJobs)
        {
            await TryExecuteAsync(vm, operation, "job-dismiss", new JsonObject { ["id"] = job }, cancellationToken);
            await TryExecuteAsync(vm, operation, "blockdev-del", new JsonObject { ["node-name"] = node }, cancellationToken);
        }

        _logger.DiskMirrorEnded(vm.Spec.Id, vm.MirrorJobs.Count);

        vm.MirrorJobs = [];
    }

    private static string DiskOf(string job) => job[MirrorPrefix.Length..job.LastIndexOf('-')];

    private async Task TryExecuteAsync(QemuVm vm, string operation, string command, JsonObject arguments, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(vm, operation, command, arguments, cancellationToken);
        }
        catch (HypervisorException ex)
        {
            _logger.DiskMirrorCleanupFailed(vm.Spec.Id, command, ex.Message);
        }
    }
}
