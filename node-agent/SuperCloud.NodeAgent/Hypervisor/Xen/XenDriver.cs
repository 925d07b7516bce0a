using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using SuperCloud.Images;
using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Hypervisor.Xen;

/// <summary>
/// Runs VMs as Xen PVH domains through the xl toolstack, for Xen-Blanket hosts. The domain list in Xen is the truth
/// for running VMs; each VM's directory keeps its spec, generated xl config and console log, so an agent restart
/// loses nothing. On hosts without Xen every operation fails with <see cref="HypervisorUnavailableException"/>.
/// Domains boot kernel images from the host's image cache; disks and cloud-init seeds are QEMU's only.
/// </summary>
public sealed class XenDriver(XenDriverOptions options, ImageCache images, TimeProvider timeProvider) : IHypervisorDriver
{
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(1);

    // Xen's own save/restore streams (XenDomainTransfer in the native shim) are a stop-and-copy transfer, not a live
    // migration with pre-copy, so the agent refuses rather than pretend.
    private static MigrationNotSupportedException NoLiveMigration(string vmId, string operation) =>
        new(vmId, operation, "live migration is implemented for the qemu hypervisor only; this host runs xen");

    /// <inheritdoc />
    public string Name => "xen";

    /// <inheritdoc />
    public string StateDirectory => options.StateDirectory;

    /// <summary>Why Xen cannot run VMs here, or null when the privcmd device exists.</summary>
    public string? UnavailableReason => File.Exists(options.PrivcmdDevice) ? null : $"Xen not available: {options.PrivcmdDevice} missing";

    /// <inheritdoc />
    public async Task<HypervisorInfo> GetInfoAsync(CancellationToken cancellationToken)
    {
        if (UnavailableReason is { } reason)
        {
            return new HypervisorInfo(Name, false, "", reason);
        }

        var info = await RunXlAsync(null, "info", cancellationToken, "info");
        var major = Field(info, "xen_major");
        var minor = Field(info, "xen_minor");
        return new HypervisorInfo(Name, true, $"{major}.{minor}".Trim('.'), "toolstack xl, guests PVH");
    }

    /// <inheritdoc />
    public async Task<VmStatus> CreateAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        EnsureAvailable("create");
        var errors = spec.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidVmSpecException(errors);
        }

        var dir = VmDirectory(spec.Id);
        if (Directory.Exists(dir) || (await FindDomainAsync(spec.Id, cancellationToken)) is not null)
        {
            throw new VmAlreadyExistsException(spec.Id);
        }

        if (spec.Disks.Count > 0 || spec.CloudInit is not null)
        {
            throw new InvalidVmSpecException([new VmSpecError(spec.Disks.Count > 0 ? "spec.disks" : "spec.cloudInit", "the xen driver boots kernel images without disks or seeds")]);
        }

        CachedImage image;
        try
        {
            image = await images.PullAsync(spec.Boot.Image, null, cancellationToken);
        }
        catch (RegistryException ex)
        {
            throw new ImageUnavailableException(spec.Id, ex);
        }

        if (image.KernelPath is not { } kernel)
        {
            throw new InvalidVmSpecException([new VmSpecError("spec.boot.image", $"{spec.Boot.Image} has no kernel; the xen driver boots kernel images only")]);
        }

        var cmdline = KernelCommandLine.For(spec, !string.IsNullOrEmpty(spec.Boot.Cmdline) ? spec.Boot.Cmdline : image.Config.KernelCmdline ?? "console=hvc0");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "spec.json"), JsonSerializer.Serialize(spec, QemuDriver.Json), cancellationToken);
        await File.WriteAllTextAsync(ConfigPath(spec.Id), XlConfig.Generate(spec, kernel, image.InitrdPath, cmdline, ConsolePath(spec.Id)), cancellationToken);
        return await WriteStateAsync(spec.Id, VmState.Created, "Created", cancellationToken);
    }

    /// <inheritdoc />
    public async Task<VmStatus> StartAsync(string vmId, CancellationToken cancellationToken)
    {
        var current = await GetAsync(vmId, cancellationToken);
        switch (current.State)
        {
            case VmState.Running:
                return current;
            case VmState.Paused:
                throw new VmStateConflictException(vmId, "start", current.State);
        }

        if (current.State == VmState.Crashed)
        {
            // A crashed domain is preserved for inspection; it must go before the VM can boot again.
            await RunXlAsync(vmId, "start", cancellationToken, "destroy", vmId);
        }

        await File.WriteAllBytesAsync(ConsolePath(vmId), [], cancellationToken);
        // Created paused, then unpaused: the same two-step boot as QEMU's -S, so nothing runs before the agent knows the domain.
        await RunXlAsync(vmId, "start", cancellationToken, "create", "-p", ConfigPath(vmId));
        await RunXlAsync(vmId, "start", cancellationToken, "unpause", vmId);
        await WriteStateAsync(vmId, VmState.Running, "Started", cancellationToken);
        return await GetAsync(vmId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<VmStatus> StopAsync(string vmId, CancellationToken cancellationToken)
    {
        var current = await GetAsync(vmId, cancellationToken);
        if (current.State is VmState.Running or VmState.Paused or VmState.Crashed or VmState.Unknown)
        {
            await RunXlAsync(vmId, "stop", cancellationToken, "destroy", vmId);
        }

        return await WriteStateAsync(vmId, VmState.Stopped, "Stopped", cancellationToken);
    }

    /// <inheritdoc />
    public async Task<VmStatus> PauseAsync(string vmId, CancellationToken cancellationToken)
    {
        var current = await GetAsync(vmId, cancellationToken);
        if (current.State == VmState.Paused)
        {
            return current;
        }

        if (current.State != VmState.Running)
        {
            throw new VmStateConflictException(vmId, "pause", current.State);
        }

        await RunXlAsync(vmId, "pause", cancellationToken, "pause", vmId);
        await WriteStateAsync(vmId, VmState.Paused, "Paused", cancellationToken);
        return await GetAsync(vmId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<VmStatus> ResumeAsync(string vmId, CancellationToken cancellationToken)
    {
        var current = await GetAsync(vmId, cancellationToken);
        if (current.State == VmState.Running)
        {
            return current;
        }

        if (current.State != VmState.Paused)
        {
            throw new VmStateConflictException(vmId, "resume", current.State);
        }

        await RunXlAsync(vmId, "resume", cancellationToken, "unpause", vmId);
        await WriteStateAsync(vmId, VmState.Running, "Resumed", cancellationToken);
        return await GetAsync(vmId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string vmId, CancellationToken cancellationToken)
    {
        var current = await GetAsync(vmId, cancellationToken);
        if (current.State is not (VmState.Created or VmState.Stopped))
        {
            await RunXlAsync(vmId, "delete", cancellationToken, "destroy", vmId);
        }

        Directory.Delete(VmDirectory(vmId), recursive: true);
    }

    /// <inheritdoc />
    public async Task<VmStatus> GetAsync(string vmId, CancellationToken cancellationToken)
    {
        EnsureAvailable("get");
        var persisted = await ReadStateAsync(vmId, "get", cancellationToken);
        var domain = await FindDomainAsync(vmId, cancellationToken);
        return Reconcile(persisted, domain, timeProvider.GetUtcNow());
    }

    /// <inheritdoc />
    public async Task<VmSpec> GetSpecAsync(string vmId, CancellationToken cancellationToken)
    {
        EnsureAvailable("get spec of");
        await ReadStateAsync(vmId, "get spec of", cancellationToken);
        return JsonSerializer.Deserialize<VmSpec>(await File.ReadAllTextAsync(Path.Combine(VmDirectory(vmId), "spec.json"), cancellationToken), QemuDriver.Json)
            ?? throw new VmNotFoundException(vmId, "get spec of");
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<VmStatus>> ListAsync(CancellationToken cancellationToken)
    {
        EnsureAvailable("list");
        var result = new List<VmStatus>();
        if (!Directory.Exists(options.StateDirectory))
        {
            return result;
        }

        foreach (var dir in Directory.EnumerateDirectories(options.StateDirectory).Order(StringComparer.Ordinal))
        {
            result.Add(await GetAsync(Path.GetFileName(dir), cancellationToken));
        }

        return result;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<VmStatus> WatchAsync(string vmId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // xl has no event stream; polling the domain list is what the toolstack offers.
        VmStatus? last = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            VmStatus current;
            try
            {
                current = await GetAsync(vmId, cancellationToken);
            }
            catch (VmNotFoundException) when (last is not null)
            {
                yield break;
            }

            if (last is null || current.State != last.State || current.Reason != last.Reason)
            {
                last = current;
                yield return current;
            }

            await Task.Delay(WatchInterval, timeProvider, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<string> ReadConsoleTailAsync(string vmId, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        EnsureAvailable("read console of");
        await ReadStateAsync(vmId, "read console of", cancellationToken);
        if (!File.Exists(ConsolePath(vmId)))
        {
            return "";
        }

        await using var stream = new FileStream(ConsolePath(vmId), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var start = Math.Max(0, stream.Length - maxBytes);
        stream.Seek(start, SeekOrigin.Begin);
        var buffer = new byte[stream.Length - start];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer);
    }

    /// <inheritdoc />
    public Task<Stream> AttachConsoleAsync(string vmId, CancellationToken cancellationToken) =>
        // xl keeps the console on a pty owned by xenconsoled; attaching means `xl console`, which this driver does not run yet.
        throw new HypervisorException(vmId, "attach to the console", "the xen driver serves the console log only (GetConsoleLog), not interactive sessions");

    /// <inheritdoc />
    public Task<VmStatus> PrepareIncomingAsync(VmSpec spec, MigrationSettings settings, string streamSocketPath, CancellationToken cancellationToken) =>
        throw NoLiveMigration(spec?.Id ?? "", "prepare incoming migration");

    /// <inheritdoc />
    public Task StartOutgoingAsync(string vmId, MigrationSettings settings, string streamSocketPath, CancellationToken cancellationToken) =>
        throw NoLiveMigration(vmId, "start outgoing migration");

    /// <inheritdoc />
    public Task<MigrationInfo> GetMigrationInfoAsync(string vmId, CancellationToken cancellationToken) => Task.FromResult(MigrationInfo.None);

    /// <inheritdoc />
    public IAsyncEnumerable<MigrationInfo> WatchMigrationAsync(string vmId, TimeSpan pollInterval, CancellationToken cancellationToken) =>
        throw NoLiveMigration(vmId, "watch migration");

    /// <inheritdoc />
    public Task StartPostCopyAsync(string vmId, CancellationToken cancellationToken) => throw NoLiveMigration(vmId, "start post-copy");

    /// <inheritdoc />
    public Task CancelOutgoingAsync(string vmId, CancellationToken cancellationToken) => throw NoLiveMigration(vmId, "cancel migration");

    /// <inheritdoc />
    public Task<VmStatus> ResumeMigratedInAsync(string vmId, TimeSpan timeout, CancellationToken cancellationToken) =>
        throw NoLiveMigration(vmId, "resume migrated-in VM");

    /// <inheritdoc />
    public Task<VmStatus> RollBackOutgoingAsync(string vmId, CancellationToken cancellationToken) => throw NoLiveMigration(vmId, "roll back migration");

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListDisksAsync(string vmId, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

    /// <inheritdoc />
    public Task ExportDisksAsync(string vmId, string socketPath, CancellationToken cancellationToken) => throw NoLiveMigration(vmId, "export disks");

    /// <inheritdoc />
    public Task StartDiskMirrorAsync(string vmId, IReadOnlyDictionary<string, string> socketByDisk, CancellationToken cancellationToken) =>
        throw NoLiveMigration(vmId, "mirror disks");

    /// <inheritdoc />
    public Task<DiskMirrorInfo> GetDiskMirrorAsync(string vmId, CancellationToken cancellationToken) => Task.FromResult(DiskMirrorInfo.None);

    /// <inheritdoc />
    public Task CompleteDiskMirrorAsync(string vmId, CancellationToken cancellationToken) => throw NoLiveMigration(vmId, "complete disk mirror");

    /// <inheritdoc />
    public Task CancelDiskMirrorAsync(string vmId, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task ContinueOutgoingAsync(string vmId, CancellationToken cancellationToken) => throw NoLiveMigration(vmId, "continue migration");

    /// <inheritdoc />
    public Task RecoverIncomingAsync(string vmId, string streamSocketPath, CancellationToken cancellationToken) => throw NoLiveMigration(vmId, "recover post-copy");

    /// <inheritdoc />
    public Task ResumeOutgoingAsync(string vmId, string streamSocketPath, CancellationToken cancellationToken) => throw NoLiveMigration(vmId, "recover post-copy");

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Combines what the agent last recorded with what Xen reports now; Xen wins when the domain exists.</summary>
    internal static VmStatus Reconcile(VmStatus persisted, XenDomain? domain, DateTimeOffset now)
    {
        if (domain is null)
        {
            // No domain: a VM the agent left running has vanished (dom0 rebooted, or someone destroyed it).
            return persisted.State is VmState.Running or VmState.Paused
                ? persisted with { State = VmState.Crashed, Reason = "DomainGone", Message = "the Xen domain no longer exists", Since = now }
                : persisted;
        }

        return domain.State == persisted.State
            ? persisted with { ProcessId = domain.DomainId }
            : new VmStatus(persisted.Id, domain.State, "Observed", $"xl list reports {domain.Flags}", domain.DomainId, now);
    }

    private void EnsureAvailable(string operation)
    {
        if (UnavailableReason is { } reason)
        {
            throw new HypervisorUnavailableException(Name, $"{operation}: {reason}");
        }
    }

    private string VmDirectory(string vmId)
    {
        // The id names a directory: refuse anything that could leave the state directory.
        if (string.IsNullOrEmpty(vmId) || vmId.Contains('/', StringComparison.Ordinal) || vmId.StartsWith('.'))
        {
            throw new VmNotFoundException(vmId ?? "", "find");
        }

        return Path.Combine(options.StateDirectory, vmId);
    }

    private string ConfigPath(string vmId) => Path.Combine(VmDirectory(vmId), "xl.cfg");

    private string ConsolePath(string vmId) => Path.Combine(VmDirectory(vmId), "console.log");

    private string StatePath(string vmId) => Path.Combine(VmDirectory(vmId), "state.json");

    private async Task<VmStatus> ReadStateAsync(string vmId, string operation, CancellationToken cancellationToken)
    {
        try
        {
            return JsonSerializer.Deserialize<VmStatus>(await File.ReadAllTextAsync(StatePath(vmId), cancellationToken), QemuDriver.Json)
                ?? throw new VmNotFoundException(vmId, operation);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new VmNotFoundException(vmId, operation);
        }
    }

    private async Task<VmStatus> WriteStateAsync(string vmId, VmState state, string reason, CancellationToken cancellationToken)
    {
        var status = new VmStatus(vmId, state, reason, "", null, timeProvider.GetUtcNow());
        var temp = StatePath(vmId) + ".tmp";
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(status, QemuDriver.Json), cancellationToken);
        File.Move(temp, StatePath(vmId), overwrite: true);
        return status;
    }

    private async Task<XenDomain?> FindDomainAsync(string vmId, CancellationToken cancellationToken)
    {
        var output = await RunXlAsync(vmId, "list", cancellationToken, "list");
        return XenState.ParseList(output).FirstOrDefault(d => d.Name == vmId);
    }

    private async Task<string> RunXlAsync(string? vmId, string operation, CancellationToken cancellationToken, params string[] args)
    {
        var psi = new ProcessStartInfo(options.XlBinary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new HypervisorUnavailableException(Name, $"cannot run {options.XlBinary}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new HypervisorUnavailableException(Name, $"Xen toolstack not available: cannot run {options.XlBinary}: {ex.Message}");
        }

        using (process)
        {
            using var timeout = new CancellationTokenSource(options.CommandTimeout, timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var stdout = process.StandardOutput.ReadToEndAsync(linked.Token);
            var stderr = process.StandardError.ReadToEndAsync(linked.Token);
            try
            {
                await process.WaitForExitAsync(linked.Token);
            }
            catch (OperationCanceledException)
            {
                // Whoever gave up on the result, no xl may keep running behind the agent's back.
                process.Kill(entireProcessTree: true);
                if (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new HypervisorException(vmId, operation, $"'xl {string.Join(' ', args)}' did not finish within {options.CommandTimeout.TotalSeconds:0.#} s");
                }

                throw;
            }

            if (process.ExitCode != 0)
            {
                throw new HypervisorException(vmId, operation, $"'xl {string.Join(' ', args)}' failed with code {process.ExitCode}: {(await stderr).Trim()}");
            }

            return await stdout;
        }
    }

    private static string Field(string xlInfo, string key) =>
        xlInfo.Split('\n').Select(l => l.Split(':', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim() == key)?[1].Trim() ?? "";
}
