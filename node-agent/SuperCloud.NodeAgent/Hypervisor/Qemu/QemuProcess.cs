using System.Diagnostics;
using System.Globalization;

namespace SuperCloud.NodeAgent.Hypervisor.Qemu;

/// <summary>Finds and ends daemonized QEMU processes, which are not children of the agent.</summary>
internal static class QemuProcess
{
    /// <summary>Reads the pid QEMU wrote, or null when the file is missing or not a number.</summary>
    public static int? ReadPidFile(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when <paramref name="pid"/> is a live (not zombie) process whose command line mentions <paramref name="marker"/>:
    /// the marker (the VM's QMP socket path) guards against a recycled pid.
    /// </summary>
    public static bool IsAlive(int pid, string marker)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            if (afterName < 0 || afterName + 2 >= stat.Length || stat[afterName + 2] is 'Z' or 'X')
            {
                return false;
            }

            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return cmdline.Contains(marker, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Kills the process if it is still the VM's QEMU, then waits (polling) until it is gone.</summary>
    public static async Task KillAsync(int pid, string marker, TimeProvider timeProvider, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!IsAlive(pid, marker))
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Exited between the check and the kill.
        }

        await WaitForExitAsync(pid, marker, timeProvider, timeout, cancellationToken);
    }

    /// <summary>Polls until the process is gone; returns false when it is still alive after <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, string marker, TimeProvider timeProvider, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + timeout;
        while (IsAlive(pid, marker))
        {
            if (timeProvider.GetUtcNow() >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), timeProvider, cancellationToken);
        }

        return true;
    }
}
