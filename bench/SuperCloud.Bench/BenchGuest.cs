namespace SuperCloud.Bench;

/// <summary>The node agent's test guest for benchmarks that boot VMs: what is missing to boot it, and its build.</summary>
internal static class BenchGuest
{
    /// <summary>Null when a guest can boot here, otherwise which prerequisite is missing.</summary>
    public static string? Missing()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "qemu-system-x86_64")));
        if (!onPath)
        {
            return "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)";
        }

        return GuestDirectory() is null ? "node-agent/guest not found above " + AppContext.BaseDirectory : SuperCloud.Lab.Registry.RegistryServer.Missing;
    }

    /// <summary>The same build (and output directory) the node agent's tests use; a no-op when the guest is up to date.</summary>
    public static async Task<(string Kernel, string Initrd)> BuildAsync(CancellationToken ct)
    {
        var outDir = await SuperCloud.Lab.Registry.GuestImages.BuildAsync(ct);
        return (Path.Combine(outDir, "vmlinuz"), Path.Combine(outDir, "initramfs.cpio.gz"));
    }

    /// <summary>The text of a console file, or "" before QEMU created it.</summary>
    public static string ReadConsole(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    private static string? GuestDirectory()
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
}
