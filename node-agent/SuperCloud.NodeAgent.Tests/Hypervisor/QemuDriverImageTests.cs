using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Images;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Tests.Hypervisor;

// VMs booting from images pulled into the host's cache: disk images, data disks, the cloud-init seed, and refusals.
public sealed class QemuDriverImageTests : IAsyncLifetime
{
    private readonly string _stateDir = TestEnvironment.NewTempDir("scvi");
    private ImageCache _images = null!;
    private QemuDriver _driver = null!;

    public async Task InitializeAsync()
    {
        if (GuestImage.Missing is not null)
        {
            return;
        }

        _images = GuestImage.NewCache();
        _driver = await QemuDriver.OpenAsync(new QemuDriverOptions { StateDirectory = _stateDir }, _images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_driver is not null)
            {
                foreach (var vm in await _driver.ListAsync(CancellationToken.None))
                {
                    await _driver.DeleteAsync(vm.Id, CancellationToken.None);
                }

                await _driver.DisposeAsync();
            }
        }
        finally
        {
            await QemuLeftovers.KillAllAsync(_stateDir);
        }

        Directory.Delete(_stateDir, recursive: true);
        _images?.Dispose();
    }

    [SkippableFact]
    public async Task Disk_image_boots_from_its_own_overlay_and_the_guest_takes_the_hostname_from_the_seed()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var spec = new VmSpec("disky", 1, 256, new VmBoot(GuestImage.Disk, null), [])
        {
            CloudInit = new VmCloudInit("disky.default.uid-1", "disky", "#cloud-config\nhostname: cloudy-7\n", null),
        };

        await _driver.CreateAsync(spec, CancellationToken.None);
        var started = await _driver.StartAsync("disky", CancellationToken.None);

        var console = await Poll.UntilAsync(() => _driver.ReadConsoleTailAsync("disky", 64 * 1024, CancellationToken.None),
            ConsoleLog.HasMemcheckOk, TimeSpan.FromSeconds(90), "the disk-booted guest's first MEMCHECK OK");
        console.Should().Contain("CLOUDINIT instance-id=disky.default.uid-1 hostname=cloudy-7");
        var cached = (await _images.GetAsync(GuestImage.Disk.Digest, CancellationToken.None))!;
        QemuFiles(started.ProcessId!.Value).Should().OnlyContain(f => f.StartsWith(_images.Root + "/blobs/sha256/", StringComparison.Ordinal)
            || f.StartsWith(Path.Combine(_stateDir, "disky") + "/", StringComparison.Ordinal));
        QemuFiles(started.ProcessId!.Value).Should().Contain(cached.DiskPath!).And.Contain(Path.Combine(_stateDir, "disky", "disk-boot.qcow2"));
        Sha256(cached.DiskPath!).Should().Be(cached.Image.Disk!.Digest, "the guest writes only its overlay; the cached base is never written");
    }

    [SkippableFact]
    public async Task Kernel_image_with_an_empty_data_disk_runs_the_guests_disk_check_and_reads_its_seed()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var spec = new VmSpec("datay", 1, 160, GuestImage.Boot(GuestImage.Cmdline(memMib: 16) + " sc.disk=data sc.disk_mib=16 sc.disk_writes_per_sec=100"), [])
        {
            Disks = [new VmDisk("data", null, 1L << 30)],
            CloudInit = new VmCloudInit("datay-1", "datay", null, null),
        };

        await _driver.CreateAsync(spec, CancellationToken.None);
        await _driver.StartAsync("datay", CancellationToken.None);

        var console = await Poll.UntilAsync(() => _driver.ReadConsoleTailAsync("datay", 64 * 1024, CancellationToken.None),
            c => c.Contains("DISKCHECK OK", StringComparison.Ordinal), TimeSpan.FromSeconds(120), "the guest's first DISKCHECK OK");
        console.Should().Contain("CLOUDINIT instance-id=datay-1 hostname=datay").And.Contain("DISKCHECK READY blocks=4096").And.NotContain("CORRUPT");
        var info = await QemuImgInfoAsync(Path.Combine(_stateDir, "datay", "disk-data.qcow2"));
        info.Should().Contain("\"virtual-size\": 1073741824");
    }

    [SkippableFact]
    public async Task Vms_of_one_image_share_its_cached_base_and_each_gets_its_own_overlay()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        foreach (var id in new[] { "share-a", "share-b" })
        {
            await _driver.CreateAsync(new VmSpec(id, 1, 64, new VmBoot(GuestImage.Disk, null), []), CancellationToken.None);
        }

        var cached = (await _images.GetAsync(GuestImage.Disk.Digest, CancellationToken.None))!;
        foreach (var id in new[] { "share-a", "share-b" })
        {
            var overlay = Path.Combine(_stateDir, id, "disk-boot.qcow2");
            new FileInfo(overlay).Length.Should().BeLessThan(1024 * 1024, "an overlay holds only what its VM writes");
            (await QemuImgInfoAsync(overlay)).Should().Contain($"\"backing-filename\": \"{cached.DiskPath}\"");
        }

        Directory.EnumerateFiles(Path.Combine(_images.Root, "blobs", "sha256")).Should().HaveCount(3, "manifest, config and disk, once");
    }

    [SkippableFact]
    public async Task A_kernel_command_line_for_a_disk_image_is_refused_naming_the_field_and_creates_nothing()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var act = () => _driver.CreateAsync(new VmSpec("cmdline", 1, 64, new VmBoot(GuestImage.Disk, "console=ttyS0"), []), CancellationToken.None);

        (await act.Should().ThrowAsync<InvalidVmSpecException>()).Which.Message.Should().Contain("spec.boot.cmdline: applies to kernel images");
        Directory.Exists(Path.Combine(_stateDir, "cmdline")).Should().BeFalse();
    }

    [SkippableFact]
    public async Task A_vm_whose_image_is_corrupted_in_the_registry_is_not_created()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        using var client = GuestImage.Client();
        var kernel = Path.Combine(_stateDir, "..", Path.GetFileName(_stateDir) + "-kernel");
        await File.WriteAllBytesAsync(kernel, System.Security.Cryptography.RandomNumberGenerator.GetBytes(50_000));
        try
        {
            var digest = await new VmImagePublisher(client).PublishAsync(GuestImage.Registry, "tests/corrupt-kernel", "v1", new VmImageFiles(kernel, null, null, null), CancellationToken.None);
            var blob = GuestImage.Server.BlobDataPath(Digest.Of(await File.ReadAllBytesAsync(kernel)).Hex);
            var bytes = await File.ReadAllBytesAsync(blob);
            bytes[1000] ^= 0xff;
            await File.WriteAllBytesAsync(blob, bytes);

            var act = () => _driver.CreateAsync(new VmSpec("tampered", 1, 64, new VmBoot(new ImageSource($"{GuestImage.Registry}/tests/corrupt-kernel", digest), null), []), CancellationToken.None);

            var error = (await act.Should().ThrowAsync<ImageUnavailableException>()).Which;
            error.Kind.Should().Be(RegistryErrorKind.DigestMismatch);
            Directory.Exists(Path.Combine(_stateDir, "tampered")).Should().BeFalse();
            (await _driver.ListAsync(CancellationToken.None)).Should().NotContain(v => v.Id == "tampered");
        }
        finally
        {
            File.Delete(kernel);
        }
    }

    // The files QEMU was told to open: every path on its command line.
    private static IEnumerable<string> QemuFiles(int pid)
    {
        var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        foreach (var arg in args)
        {
            foreach (var key in new[] { "\"filename\":\"", "file:" })
            {
                var at = arg.IndexOf(key, StringComparison.Ordinal);
                if (at >= 0)
                {
                    var rest = arg[(at + key.Length)..];
                    var end = rest.IndexOfAny(['"', ',']);
                    yield return end < 0 ? rest : rest[..end];
                }
            }

            if (arg.StartsWith('/'))
            {
                yield return arg;
            }
        }
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Digest.Sha256Prefix + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    private static async Task<string> QemuImgInfoAsync(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("qemu-img") { ArgumentList = { "info", "-U", "--output=json", path }, RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
