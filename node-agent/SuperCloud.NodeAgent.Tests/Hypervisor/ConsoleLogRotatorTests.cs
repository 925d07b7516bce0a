using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

public sealed class ConsoleLogRotatorTests : IDisposable
{
    private readonly string _dir = TestEnvironment.NewTempDir("sclog");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_log_within_its_size_is_left_alone()
    {
        var log = Path.Combine(_dir, "console.log");
        File.WriteAllText(log, "short");

        ConsoleLogRotator.Rotate(log, 4096, 3).Should().BeFalse();

        File.ReadAllText(log).Should().Be("short");
        File.Exists(ConsoleLogRotator.Rotated(log, 1)).Should().BeFalse();
        ConsoleLogRotator.Rotate(Path.Combine(_dir, "missing.log"), 4096, 3).Should().BeFalse("a VM without a console yet is skipped");
    }

    [Fact]
    public void Rotation_shifts_generations_drops_the_oldest_and_keeps_at_most_max_files()
    {
        var log = Path.Combine(_dir, "console.log");
        for (var round = 1; round <= 4; round++)
        {
            File.WriteAllText(log, new string((char)('a' + round), 5000));
            ConsoleLogRotator.Rotate(log, 4096, 3).Should().BeTrue();
        }

        new FileInfo(log).Length.Should().Be(0);
        File.ReadAllText(ConsoleLogRotator.Rotated(log, 1)).Should().Be(new string('e', 5000));
        File.ReadAllText(ConsoleLogRotator.Rotated(log, 2)).Should().Be(new string('d', 5000));
        File.Exists(ConsoleLogRotator.Rotated(log, 3)).Should().BeFalse("three files in all: console.log, .1 and .2");
    }

    [Fact]
    public void With_one_file_the_log_is_only_truncated()
    {
        var log = Path.Combine(_dir, "console.log");
        File.WriteAllText(log, new string('x', 5000));

        ConsoleLogRotator.Rotate(log, 4096, 1).Should().BeTrue();

        new FileInfo(log).Length.Should().Be(0);
        Directory.GetFiles(_dir).Should().ContainSingle();
    }

    [Fact]
    public async Task The_tail_reaches_into_the_previous_file_when_the_current_one_is_short()
    {
        var log = Path.Combine(_dir, "console.log");
        await File.WriteAllTextAsync(ConsoleLogRotator.Rotated(log, 1), "line 1\nline 2\n");
        await File.WriteAllTextAsync(log, "line 3\n");

        (await ConsoleLogRotator.ReadTailAsync(log, 14, CancellationToken.None)).Should().Be("line 2\nline 3\n");
        (await ConsoleLogRotator.ReadTailAsync(log, 7, CancellationToken.None)).Should().Be("line 3\n");
        (await ConsoleLogRotator.ReadTailAsync(Path.Combine(_dir, "none.log"), 7, CancellationToken.None)).Should().BeEmpty();
    }

    [Fact]
    public async Task An_appending_writer_keeps_writing_at_the_start_of_the_truncated_log_and_disk_use_stays_bounded()
    {
        // A separate process appending as QEMU's append=on chardev does (O_APPEND), as fast as it can.
        var vm = Directory.CreateDirectory(Path.Combine(_dir, "vm-a")).FullName;
        var log = Path.Combine(vm, ConsoleLogRotator.FileName);
        using var writer = Process.Start(new ProcessStartInfo("bash", ["-c", $"i=0; while :; do i=$((i+1)); echo \"line $i\" >> '{log}'; done"]))!;
        try
        {
            await using var rotator = new ConsoleLogRotator(_dir, 16 * 1024, 2, TimeSpan.FromMilliseconds(50), TimeProvider.System, NullLogger.Instance);
            await Poll.UntilAsync(() => Task.FromResult(File.Exists(ConsoleLogRotator.Rotated(log, 1)) && new FileInfo(log).Length > 0),
                ok => ok, TimeSpan.FromSeconds(20), "a rotation and writes after it");
            for (var check = 0; check < 20; check++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50));
                var head = ReadHead(log, 64);
                head.Should().NotContain("\0", "the writer continued at the truncated end, leaving no hole");
                new FileInfo(log).Length.Should().BeLessThan(1 << 20, "rotated every 50 ms at 16 KiB, whatever the writer's pace");
            }
        }
        finally
        {
            writer.Kill();
            await writer.WaitForExitAsync();
        }

        // Stopped writing: one more rotation at most leaves every file near the size.
        ConsoleLogRotator.Rotate(log, 16 * 1024, 2);
        new FileInfo(log).Length.Should().BeLessThanOrEqualTo(16 * 1024);
        Directory.GetFiles(vm).Should().BeEquivalentTo([log, ConsoleLogRotator.Rotated(log, 1)]);
        var text = await ConsoleLogRotator.ReadTailAsync(log, 8192, CancellationToken.None);
        text.Should().Contain("line ").And.NotContain("\0");
    }

    [SkippableFact]
    public async Task A_guest_console_over_the_size_is_rotated_under_a_running_qemu()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var state = TestEnvironment.NewTempDir("scvm");
        var options = new QemuDriverOptions
        {
            StateDirectory = state,
            ConsoleLogMaxSize = 4096,
            ConsoleLogMaxFiles = 2,
            ConsoleLogCheckInterval = TimeSpan.FromMilliseconds(200),
        };
        using var images = GuestImage.NewCache();
        await images.PullAsync(GuestImage.Kernel, null, CancellationToken.None);
        var driver = await QemuDriver.OpenAsync(options, images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);
        try
        {
            var spec = new VmSpec("chatty", 1, 128, GuestImage.Boot(GuestImage.Cmdline()), []);
            await driver.CreateAsync(spec, CancellationToken.None);
            await driver.StartAsync(spec.Id, CancellationToken.None);
            var log = Path.Combine(state, spec.Id, ConsoleLogRotator.FileName);

            // Heartbeats every 100 ms overflow 4 KiB within seconds; after a rotation QEMU goes on writing at the start.
            await Poll.UntilAsync(() => Task.FromResult(File.Exists(ConsoleLogRotator.Rotated(log, 1))), ok => ok, TimeSpan.FromSeconds(60), "a rotation");
            var before = ConsoleLog.LastHeartbeat(await driver.ReadConsoleTailAsync(spec.Id, 4096, CancellationToken.None)) ?? 0;
            var after = await Poll.UntilAsync(() => driver.ReadConsoleTailAsync(spec.Id, 8192, CancellationToken.None),
                console => ConsoleLog.LastHeartbeat(console) > before + 10, TimeSpan.FromSeconds(30), "heartbeats after the rotation");
            after.Should().NotContain("\0");
            ReadHead(log, 16).Should().NotContain("\0", "QEMU appends: the truncated log has no hole at its start");
            new FileInfo(log).Length.Should().BeLessThan(4096 + 8192, "the log is rotated every 200 ms at 4 KiB");
        }
        finally
        {
            foreach (var vm in await driver.ListAsync(CancellationToken.None))
            {
                await driver.DeleteAsync(vm.Id, CancellationToken.None);
            }

            await driver.DisposeAsync();
            await QemuLeftovers.KillAllAsync(state);
            Directory.Delete(state, recursive: true);
        }
    }

    private static string ReadHead(string path, int bytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[bytes];
        var read = stream.Read(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
