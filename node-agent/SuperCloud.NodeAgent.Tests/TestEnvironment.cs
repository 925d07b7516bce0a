namespace SuperCloud.NodeAgent.Tests;

/// <summary>Finds the real tools the integration tests need and says which one is missing.</summary>
internal static class TestEnvironment
{
    public const string QemuBinary = "qemu-system-x86_64";

    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Null when QEMU is installed, otherwise why the test cannot run.</summary>
    public static string? QemuMissing => FindOnPath(QemuBinary) is null ? $"{QemuBinary} is not installed (apt-get install qemu-system-x86)" : null;

    public static string RepoNodeAgentDir
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "guest")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("node-agent/guest not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>A fresh short directory (Unix socket paths are limited to 108 bytes).</summary>
    public static string NewTempDir(string prefix)
    {
        var path = Path.Combine("/tmp", $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        Directory.CreateDirectory(path);
        return path;
    }
}
