using System.Diagnostics;

namespace SuperCloud.NodeAgent.Tests;

/// <summary>Builds (or finds up to date) the test guest with node-agent/guest/build.sh, once per test run.</summary>
internal static class GuestImage
{
    private static readonly Lazy<(string Kernel, string Initrd)> Built = new(Build);

    /// <summary>Null when a real guest can boot here, otherwise which prerequisite is missing.</summary>
    public static string? Missing =>
        TestEnvironment.QemuMissing
        ?? (Directory.Exists("/boot") && Directory.EnumerateFiles("/boot", "vmlinuz-*").Any() ? null : "no kernel /boot/vmlinuz-* (apt-get install linux-image-amd64)");

    public static string Kernel => Built.Value.Kernel;

    public static string Initrd => Built.Value.Initrd;

    public static string OutDir => Path.Combine(TestEnvironment.RepoNodeAgentDir, "guest", "out");

    public static string Cmdline(int memMib = 32, int dirtyPagesPerSec = 2000) =>
        $"console=ttyS0 quiet panic=-1 sc.mem_mib={memMib} sc.dirty_pages_per_sec={dirtyPagesPerSec}";

    private static (string, string) Build()
    {
        var script = Path.Combine(TestEnvironment.RepoNodeAgentDir, "guest", "build.sh");
        using var process = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { script, OutDir }, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"guest build failed ({process.ExitCode}): {stderr} {stdout.Result}");
        }

        return (Path.Combine(OutDir, "vmlinuz"), Path.Combine(OutDir, "initramfs.cpio.gz"));
    }
}
