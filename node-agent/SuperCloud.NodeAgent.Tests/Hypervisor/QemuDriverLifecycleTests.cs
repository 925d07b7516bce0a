using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

// Lifecycle transitions that do not need the guest to finish booting, so each VM costs a second of CPU at most.
public sealed class QemuDriverLifecycleTests : IAsyncLifetime
{
    private readonly string _stateDir = TestEnvironment.NewTempDir("scvl");
    private readonly SuperCloud.Images.ImageCache _images = GuestImage.NewCache();
    private QemuDriver _driver = null!;

    private QemuDriverOptions Options(string accelerator = "tcg") => new()
    {
        StateDirectory = _stateDir,
        Accelerator = accelerator,
        KvmProgressTimeout = TimeSpan.FromSeconds(4),
    };

    public async Task InitializeAsync() =>
        _driver = await QemuDriver.OpenAsync(Options(), _images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);

    public async Task DisposeAsync()
    {
        try
        {
            foreach (var vm in await _driver.ListAsync(CancellationToken.None))
            {
                await _driver.DeleteAsync(vm.Id, CancellationToken.None);
            }

            await _driver.DisposeAsync();
        }
        finally
        {
            await QemuLeftovers.KillAllAsync(_stateDir);
        }

        Directory.Delete(_stateDir, recursive: true);
        _images.Dispose();
    }

    private static VmSpec Spec(string id) => new(id, 1, 64, GuestImage.Boot(GuestImage.Cmdline(memMib: 8)), []);

    [Fact]
    public async Task A_create_whose_caller_went_away_is_whole_and_survives_an_agent_restart()
    {
        // The operator was killed during CreateVm: its call's token is cancelled while the VM is being written down
        // (after the image is in the cache: a pull cut short leaves nothing, which is whole too).
        await _images.PullAsync(GuestImage.Kernel, null, CancellationToken.None);
        using var gone = new CancellationTokenSource();
        await gone.CancelAsync();
        var created = await _driver.CreateAsync(Spec("orphan"), gone.Token);
        created.State.Should().Be(VmState.Created);

        await _driver.DisposeAsync();
        _driver = await QemuDriver.OpenAsync(Options(), _images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);

        var reopened = await _driver.GetAsync("orphan", CancellationToken.None);
        reopened.State.Should().Be(VmState.Created, "the next agent finds the VM with its spec");
        Directory.EnumerateFiles(Path.Combine(_stateDir, "orphan"), "*.tmp").Should().BeEmpty();
    }

    [SkippableFact]
    public async Task Stop_start_crash_and_delete_leave_no_process_behind()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        await _driver.CreateAsync(Spec("cycle"), CancellationToken.None);

        var running = await _driver.StartAsync("cycle", CancellationToken.None);
        running.State.Should().Be(VmState.Running);
        var firstPid = running.ProcessId!.Value;
        IsQemuAlive(firstPid).Should().BeTrue();

        var stopped = await _driver.StopAsync("cycle", CancellationToken.None);
        stopped.State.Should().Be(VmState.Stopped);
        stopped.ProcessId.Should().BeNull();
        IsQemuAlive(firstPid).Should().BeFalse();

        var restarted = await _driver.StartAsync("cycle", CancellationToken.None);
        var secondPid = restarted.ProcessId!.Value;
        secondPid.Should().NotBe(firstPid);

        // Someone kills QEMU behind the agent's back: the driver must notice and say Crashed.
        using (var process = Process.GetProcessById(secondPid))
        {
            process.Kill();
        }

        var crashed = await Poll.UntilAsync(() => _driver.GetAsync("cycle", CancellationToken.None), s => s.State == VmState.Crashed, TimeSpan.FromSeconds(10), "Crashed");
        crashed.Reason.Should().Be("ProcessExited");

        var third = await _driver.StartAsync("cycle", CancellationToken.None);
        await _driver.DeleteAsync("cycle", CancellationToken.None);

        IsQemuAlive(third.ProcessId!.Value).Should().BeFalse();
        Directory.Exists(Path.Combine(_stateDir, "cycle")).Should().BeFalse();
        var get = () => _driver.GetAsync("cycle", CancellationToken.None);
        (await get.Should().ThrowAsync<VmNotFoundException>()).Which.Message.Should().Contain("'cycle'");
    }

    [SkippableFact]
    public async Task Kvm_guest_that_makes_no_progress_fails_the_start_cleanly_and_names_kvm()
    {
        // What a host where KVM hangs looks like to the driver: QEMU starts, QMP answers, KVM is enabled, and the vCPU
        // never gets as far as writing to the console. A stand-in gives exactly that on every host, KVM or not; only
        // the image it is given to boot comes from the registry, as every VM's does.
        Skip.If(GuestImage.ImageMissing is not null, GuestImage.ImageMissing);
        var dir = TestEnvironment.NewTempDir("scvk");
        try
        {
            var qemu = Path.Combine(dir, "qemu-system-x86_64");
            await File.WriteAllTextAsync(qemu, SilentKvmQemu);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(qemu, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var options = Options("kvm");
            options.QemuBinary = qemu;
            await using var kvmDriver = await QemuDriver.OpenAsync(options, _images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);
            await kvmDriver.CreateAsync(Spec("kvm"), CancellationToken.None);
            var started = Stopwatch.StartNew();

            var act = () => kvmDriver.StartAsync("kvm", CancellationToken.None);

            var error = (await act.Should().ThrowAsync<HypervisorUnavailableException>()).Which;
            started.Elapsed.Should().BeGreaterThanOrEqualTo(options.KvmProgressTimeout, "the guest is given the whole progress timeout");
            error.Message.Should().Contain("accelerator kvm: VM 'kvm' wrote nothing to its console within 4 s").And.Contain("use accelerator tcg");
            var status = await kvmDriver.GetAsync("kvm", CancellationToken.None);
            status.State.Should().Be(VmState.Stopped);
            status.Reason.Should().Be("StartFailed");
            status.ProcessId.Should().BeNull();
            var pid = QemuProcess.ReadPidFile(Path.Combine(_stateDir, "kvm", "qemu.pid"));
            pid.Should().NotBeNull("the stand-in daemonized and wrote its pid");
            await Poll.UntilAsync(() => Task.FromResult(IsQemuAlive(pid!.Value)), alive => !alive, TimeSpan.FromSeconds(10), "the stand-in QEMU gone");
            File.ReadAllText(Path.Combine(_stateDir, "kvm", "qmp.log")).Should().Contain("query-kvm").And.Contain("cont").And.Contain("quit",
                "the driver asked QEMU whether KVM is on, let the vCPU run, and shut QEMU down when it made no progress");
            await kvmDriver.DeleteAsync("kvm", CancellationToken.None);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // A QEMU stand-in: daemonizes, writes its pid file, serves QMP on the -qmp socket (KVM enabled, every command
    // accepted and logged to qmp.log beside it) and never writes a byte to the console.
    private const string SilentKvmQemu = """
        #!/bin/bash
        if [ "$1" = --serve ]; then
          printf '{"QMP": {"version": {"qemu": {"major": 10, "minor": 0, "micro": 0}, "package": ""}, "capabilities": []}}\n'
          while IFS= read -r line; do
            printf '%s\n' "$line" >> "$QMP_LOG"
            id=$(printf '%s' "$line" | sed -n 's/.*"id": *\("[^"]*"\).*/\1/p')
            cmd=$(printf '%s' "$line" | sed -n 's/.*"execute": *"\([^"]*\)".*/\1/p')
            case "$cmd" in
              query-kvm) ret='{"enabled": true, "present": true}' ;;
              query-status) ret='{"status": "running", "running": true}' ;;
              *) ret='{}' ;;
            esac
            printf '{"return": %s, "id": %s}\n' "$ret" "${id:-null}"
            if [ "$cmd" = quit ]; then kill "$(cat "$QMP_PIDFILE")"; exit 0; fi
          done
          exit 0
        fi
        qmp=; pidfile=
        while [ $# -gt 0 ]; do
          case "$1" in
            --version|-version) echo "QEMU emulator version 10.0.0 (stand-in that never runs its guest)"; exit 0 ;;
            -qmp) if [ -z "$qmp" ]; then qmp=${2#unix:}; qmp=${qmp%%,*}; fi; shift ;;
            -pidfile) pidfile=$2; shift ;;
          esac
          shift
        done
        QMP_LOG="$(dirname "$qmp")/qmp.log" QMP_PIDFILE="$pidfile" setsid socat "UNIX-LISTEN:$qmp,fork" EXEC:"$0 --serve" </dev/null >/dev/null 2>&1 &
        echo $! > "$pidfile"
        for _ in $(seq 200); do [ -S "$qmp" ] && exit 0; sleep 0.05; done
        echo "QMP socket $qmp never appeared" >&2
        exit 1
        """;

    [Fact]
    public async Task Invalid_spec_is_rejected_naming_every_bad_field_and_creates_nothing()
    {
        var spec = new VmSpec("Bad_Id", 0, 4, new VmBoot(null!, "console=ttyS0\n"), [new VmNic("this-name-is-too-long", "zz:00")])
        {
            Disks = [new VmDisk("boot", null, 1024), new VmDisk("data", null, 1 << 20), new VmDisk("data", null, 1 << 20)],
            CloudInit = new VmCloudInit("id: injected", "Not_A_Label", null, null),
        };

        var act = () => _driver.CreateAsync(spec, CancellationToken.None);

        var error = (await act.Should().ThrowAsync<InvalidVmSpecException>()).Which;
        error.Errors.Select(e => e.Field).Should().BeEquivalentTo(
            "spec.id", "spec.vcpus", "spec.memoryMib", "spec.boot.image", "spec.boot.cmdline", "spec.nics[0].tapDevice", "spec.nics[0].mac",
            "spec.disks[0].name", "spec.disks[0].sizeBytes", "spec.disks[2].name", "spec.cloudInit.instanceId", "spec.cloudInit.hostname");
        error.Message.Should().Contain("spec.memoryMib: must be between 16 and 1048576, got 4");
        Directory.GetDirectories(_stateDir).Should().BeEmpty();
    }

    [Fact]
    public async Task Creating_an_existing_id_is_a_conflict()
    {
        var spec = Spec("twice");
        await _driver.CreateAsync(spec, CancellationToken.None);

        var act = () => _driver.CreateAsync(spec, CancellationToken.None);

        (await act.Should().ThrowAsync<VmAlreadyExistsException>()).Which.Message.Should().Contain("'twice'");
    }

    [Fact]
    public async Task Operations_on_unknown_vm_say_not_found_with_the_operation()
    {
        var act = () => _driver.PauseAsync("ghost", CancellationToken.None);

        (await act.Should().ThrowAsync<VmNotFoundException>()).Which.Message.Should().Be("pause VM 'ghost': no such VM on this host");
    }

    [Fact]
    public async Task Reopening_marks_a_vm_whose_qemu_vanished_as_crashed()
    {
        {
            await _driver.CreateAsync(Spec("vanished"), CancellationToken.None);
            // What the state directory looks like when the host rebooted under a running VM.
            var stateFile = Path.Combine(_stateDir, "vanished", "state.json");
            await File.WriteAllTextAsync(stateFile, (await File.ReadAllTextAsync(stateFile)).Replace("\"Created\"", "\"Running\"", StringComparison.Ordinal));
            await File.WriteAllTextAsync(Path.Combine(_stateDir, "vanished", "qemu.pid"), "999999");

            await using var reopened = await QemuDriver.OpenAsync(Options(), _images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);

            var status = await reopened.GetAsync("vanished", CancellationToken.None);
            status.State.Should().Be(VmState.Crashed);
            status.Reason.Should().Be("ProcessGone");
        }
    }

    [Fact]
    public async Task Options_with_unknown_accelerator_are_rejected()
    {
        var act = () => QemuDriver.OpenAsync(new QemuDriverOptions { StateDirectory = _stateDir, Accelerator = "hvf" }, _images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);

        (await act.Should().ThrowAsync<ArgumentException>()).Which.Message.Should().Contain("Qemu:Accelerator must be 'tcg' or 'kvm', got 'hvf'");
    }

    private static bool IsQemuAlive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].TrimStart().StartsWith('Z');
}
