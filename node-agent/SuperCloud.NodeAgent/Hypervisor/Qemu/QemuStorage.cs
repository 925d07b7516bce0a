using System.Globalization;
using System.Text;
using SuperCloud.Images;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>
/// Makes and finds a VM's files: pulls its images into the host's cache (by digest, verified), creates a copy-on-write
/// qcow2 overlay per disk in the VM's directory on the cached base (or an empty qcow2), and writes the cloud-init NoCloud
/// seed. The images stay pinned until the caller has recorded the VM, so the cache's collector cannot take them meanwhile.
/// </summary>
internal sealed class QemuStorage(ImageCache images, QemuDriverOptions options)
{
    private const string DefaultCmdline = "console=ttyS0";

    // cloud-init reads the seed's files as UTF-8 without a byte order mark.
    private static readonly UTF8Encoding NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Pins every image of <paramref name="spec"/> until disposed.</summary>
    public IDisposable Pin(VmSpec spec) => new Pins(spec.ImageSources.Select(i => images.Pin(i.Digest)).ToList());

    /// <summary>Pulls the images and creates the disks and seed that do not exist yet; returns what QEMU is given.</summary>
    public async Task<QemuVmFiles> PrepareAsync(VmSpec spec, QemuVmPaths paths, CancellationToken cancellationToken)
    {
        var files = await ResolveAsync(spec, paths, cancellationToken);
        foreach (var disk in files.Disks)
        {
            if (File.Exists(disk.Overlay))
            {
                continue;
            }

            var size = SizeOf(spec, disk).ToString(CultureInfo.InvariantCulture);
            var temp = disk.Overlay + ".tmp";
            // -u: the base is not opened (it is the cache's, verified, and QEMU is given it explicitly at launch).
            string[] args = disk.Base is { } baseFile
                ? ["create", "-q", "-f", "qcow2", "-u", "-b", baseFile, "-F", "qcow2", temp, size]
                : ["create", "-q", "-f", "qcow2", temp, size];
            // Local and short: not cut short by a caller going away, so a create either makes every file or fails.
            await HostTool.RunAsync(spec.Id, options.QemuImgBinary, args, CancellationToken.None);
            File.Move(temp, disk.Overlay);
        }

        if (files.Seed is { } seed && !File.Exists(seed))
        {
            await WriteSeedAsync(spec.Id, spec.CloudInit!, seed, CancellationToken.None);
        }

        return files;
    }

    /// <summary>The files of <paramref name="spec"/>'s VM (pulling an image again should the cache have lost it).</summary>
    public async Task<QemuVmFiles> ResolveAsync(VmSpec spec, QemuVmPaths paths, CancellationToken cancellationToken)
    {
        var boot = await PullAsync(spec.Id, spec.Boot.Image, cancellationToken);
        var disks = new List<QemuDiskFile>();
        string? kernel = null, initrd = null;
        var cmdline = "";
        if (boot.KernelPath is { } kernelPath)
        {
            kernel = kernelPath;
            initrd = boot.InitrdPath;
            cmdline = KernelCommandLine.For(spec, !string.IsNullOrEmpty(spec.Boot.Cmdline) ? spec.Boot.Cmdline : boot.Config.KernelCmdline ?? DefaultCmdline);
        }
        else if (!string.IsNullOrEmpty(spec.Boot.Cmdline))
        {
            throw new InvalidVmSpecException([new VmSpecError("spec.boot.cmdline", $"applies to kernel images; {spec.Boot.Image} boots from its disk")]);
        }

        if (boot.DiskPath is { } bootDisk)
        {
            disks.Add(new QemuDiskFile(VmDisk.BootDiskName, paths.Disk(VmDisk.BootDiskName), bootDisk, Boot: kernel is null));
        }

        for (var i = 0; i < spec.Disks.Count; i++)
        {
            var disk = spec.Disks[i];
            string? baseFile = null;
            if (disk.Image is { } image)
            {
                var cached = await PullAsync(spec.Id, image, cancellationToken);
                baseFile = cached.DiskPath ?? throw new InvalidVmSpecException([new VmSpecError($"spec.disks[{i}].image", $"{image} has no disk layer")]);
                if (disk.SizeBytes != 0 && disk.SizeBytes < cached.DiskVirtualSize)
                {
                    throw new InvalidVmSpecException([new VmSpecError($"spec.disks[{i}].sizeBytes",
                        $"must be at least the image's disk size {cached.DiskVirtualSize}, got {disk.SizeBytes}")]);
                }
            }

            disks.Add(new QemuDiskFile(disk.Name, paths.Disk(disk.Name), baseFile, Boot: false));
        }

        return new QemuVmFiles(kernel, initrd, cmdline, disks, spec.CloudInit is null ? null : paths.Seed);
    }

    private static long SizeOf(VmSpec spec, QemuDiskFile disk)
    {
        var requested = spec.Disks.FirstOrDefault(d => d.Name == disk.Name)?.SizeBytes ?? 0;
        if (disk.Base is null)
        {
            return requested;
        }

        // The overlay is as large as asked, never smaller than its base (which the qcow2 header of the cached blob tells).
        return Math.Max(requested, Qcow2Header.Read(disk.Base).VirtualSize);
    }

    private async Task<CachedImage> PullAsync(string vmId, ImageSource image, CancellationToken cancellationToken)
    {
        try
        {
            return await images.PullAsync(image, null, cancellationToken);
        }
        catch (RegistryException ex)
        {
            throw new ImageUnavailableException(vmId, ex);
        }
    }

    // NoCloud: a FAT volume labelled cidata with meta-data, user-data and (when given) network-config at its root.
    private async Task WriteSeedAsync(string vmId, VmCloudInit seed, string path, CancellationToken cancellationToken)
    {
        var work = path + ".d";
        Directory.CreateDirectory(work);
        try
        {
            var metaData = Path.Combine(work, "meta-data");
            await File.WriteAllTextAsync(metaData, $"instance-id: {seed.InstanceId}\nlocal-hostname: {seed.Hostname}\n", NoBom, cancellationToken);
            var userData = Path.Combine(work, "user-data");
            await File.WriteAllTextAsync(userData, seed.UserData ?? "", NoBom, cancellationToken);
            List<string> entries = [metaData, userData];
            if (!string.IsNullOrEmpty(seed.NetworkData))
            {
                var networkConfig = Path.Combine(work, "network-config");
                await File.WriteAllTextAsync(networkConfig, seed.NetworkData, NoBom, cancellationToken);
                entries.Add(networkConfig);
            }

            var temp = path + ".tmp";
            File.Delete(temp);
            await HostTool.RunAsync(vmId, options.MkfsVfatBinary, ["-n", "cidata", "-C", temp, "1024"], cancellationToken);
            await HostTool.RunAsync(vmId, options.McopyBinary, ["-i", temp, .. entries, "::/"], cancellationToken,
                new Dictionary<string, string> { ["MTOOLS_SKIP_CHECK"] = "1" });
            File.Move(temp, path);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private sealed class Pins(List<IDisposable> leases) : IDisposable
    {
        public void Dispose() => leases.ForEach(l => l.Dispose());
    }
}
