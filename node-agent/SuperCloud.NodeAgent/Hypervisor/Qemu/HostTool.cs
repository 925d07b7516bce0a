using System.Diagnostics;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>Runs the host tools that make a VM's files (qemu-img, mkfs.vfat, mcopy); a failure names the tool and its error.</summary>
internal static class HostTool
{
    public static async Task RunAsync(string vmId, string file, IReadOnlyList<string> args, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new HypervisorException(vmId, "prepare files of", $"cannot run {file}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new HypervisorException(vmId, "prepare files of", $"cannot run {file}: {ex.Message}", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            await stdout;
            if (process.ExitCode != 0)
            {
                throw new HypervisorException(vmId, "prepare files of", $"{Path.GetFileName(file)} exited with code {process.ExitCode}: {stderr.Trim()}");
            }
        }
    }
}
