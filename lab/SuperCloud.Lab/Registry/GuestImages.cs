using System.Diagnostics;
using SuperCloud.Images;

namespace SuperCloud.Lab.Registry;

/// <summary>
/// The test guest as VM images: <see cref="Repository"/> boots Debian's kernel with the guest's initramfs directly, and
/// <see cref="DiskRepository"/> is the same guest on a bootable qcow2 disk (syslinux). Built by node-agent/guest/build.sh.
/// </summary>
public static class GuestImages
{
    /// <summary>The kernel + initramfs image.</summary>
    public const string Repository = "supercloud/test-guest";

    /// <summary>The bootable disk image.</summary>
    public const string DiskRepository = "supercloud/test-guest-disk";

    /// <summary>The tag both are pushed with.</summary>
    public const string Tag = "latest";

    /// <summary>The kernel command line the kernel image boots with unless a SuperPod gives one.</summary>
    public const string KernelCmdline = "console=ttyS0 quiet panic=-1";

    /// <summary>The guest's sources (node-agent/guest) above this executable, or null outside a repository.</summary>
    public static string? SourceDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var guest = Path.Combine(dir.FullName, "node-agent", "guest");
            if (File.Exists(Path.Combine(guest, "build.sh")))
            {
                return guest;
            }
        }

        return null;
    }

    /// <summary>Builds the guest with build.sh into node-agent/guest/out (a no-op when it is up to date) and returns that directory.</summary>
    public static async Task<string> BuildAsync(CancellationToken cancellationToken)
    {
        var guest = SourceDirectory() ?? throw new DirectoryNotFoundException("node-agent/guest not found above " + AppContext.BaseDirectory);
        var outDir = Path.Combine(guest, "out");
        using var process = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { Path.Combine(guest, "build.sh"), outDir }, RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("cannot run bash");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 ? outDir : throw new InvalidOperationException($"guest build failed ({process.ExitCode}): {stderr} {await stdout}");
    }

    /// <summary>Pushes both images from <paramref name="outDir"/> (build.sh's output) to <paramref name="registry"/> and returns their digests.</summary>
    public static async Task<GuestImageDigests> PublishAsync(RegistryClient client, string registry, string outDir, CancellationToken cancellationToken)
    {
        var publisher = new VmImagePublisher(client);
        var kernel = await publisher.PublishAsync(registry, Repository, Tag,
            new VmImageFiles(Path.Combine(outDir, "vmlinuz"), Path.Combine(outDir, "initramfs.cpio.gz"), null, KernelCmdline), cancellationToken);
        var disk = await publisher.PublishAsync(registry, DiskRepository, Tag, new VmImageFiles(null, null, Path.Combine(outDir, "disk.qcow2"), null), cancellationToken);
        return new GuestImageDigests(kernel, disk);
    }
}
