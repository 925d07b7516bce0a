namespace SuperCloud.E2E.Tests;

/// <summary>What the lab needs from the machine; a test skips (saying which) only when one of these is truly absent.</summary>
internal static class Prerequisites
{
    /// <summary>Why the lab cannot run here, or null when it can.</summary>
    public static string? Missing()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "the lab needs root (network namespaces, veths, routes)";
        }

        if (!OnPath("qemu-system-x86_64"))
        {
            return "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)";
        }

        if (!OnPath("docker-registry"))
        {
            return "docker-registry is not installed (apt-get install docker-registry; make setup does)";
        }

        if (!Directory.Exists("/boot") || !Directory.EnumerateFiles("/boot", "vmlinuz-*").Any())
        {
            return "no kernel /boot/vmlinuz-* for the guest (apt-get install linux-image-amd64)";
        }

        return null;
    }

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':').Append("/usr/bin").Any(dir => File.Exists(Path.Combine(dir, name)));
}
