using System.Diagnostics;

namespace SuperCloud.Operator.Tests.Agents;

/// <summary>The node agent's test guest (node-agent/guest/build.sh), built once per run, and what is missing to boot it.</summary>
internal static class TestGuest
{
    private static readonly Lazy<(string Kernel, string Initrd)> Built = new(Build);

    /// <summary>Null when a guest can boot here, otherwise which prerequisite is missing.</summary>
    public static string? Missing =>
        FindOnPath("qemu-system-x86_64") is null ? "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
        : Directory.Exists("/boot") && Directory.EnumerateFiles("/boot", "vmlinuz-*").Any() ? null
        : "no kernel /boot/vmlinuz-* to build the guest from (apt-get install linux-image-amd64)";

    public static string Kernel => Built.Value.Kernel;

    public static string Initrd => Built.Value.Initrd;

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static (string, string) Build()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "node-agent", "guest", "build.sh")))
        {
            dir = dir.Parent;
        }

        var guest = Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("node-agent/guest not found above " + AppContext.BaseDirectory), "node-agent", "guest");
        var outDir = Path.Combine(guest, "out");

        // build.sh is incremental: it returns at once when the image is up to date.
        using var process = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { Path.Combine(guest, "build.sh"), outDir }, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode != 0
            ? throw new InvalidOperationException($"guest build failed ({process.ExitCode}): {stderr} {stdout.Result}")
            : (Path.Combine(outDir, "vmlinuz"), Path.Combine(outDir, "initramfs.cpio.gz"));
    }
}
