using System.Diagnostics;

namespace SuperCloud.Images.Tests;

/// <summary>Files to publish as images in tests: random bytes, and real qcow2 disks made by qemu-img.</summary>
internal sealed class TestFiles : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("images-test-").FullName;

    public string Random(string name, int bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes));
        return path;
    }

    /// <summary>A qcow2 disk of <paramref name="size"/> (qemu-img syntax), with a backing file when given.</summary>
    public string Qcow2(string name, string size, string? backing = null)
    {
        var path = Path.Combine(_dir, name);
        var info = new ProcessStartInfo("qemu-img") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in (string[])["create", "-q", "-f", "qcow2"])
        {
            info.ArgumentList.Add(arg);
        }

        if (backing is not null)
        {
            foreach (var arg in (string[])["-u", "-b", backing, "-F", "qcow2"])
            {
                info.ArgumentList.Add(arg);
            }
        }

        info.ArgumentList.Add(path);
        info.ArgumentList.Add(size);
        using var process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode == 0 ? path : throw new InvalidOperationException("qemu-img create failed: " + process.StandardError.ReadToEnd());
    }

    public static string? QemuImgMissing =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "qemu-img"))) ? null : "qemu-img is not installed (apt-get install qemu-utils)";

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
