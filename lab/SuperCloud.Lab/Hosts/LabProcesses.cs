using System.Diagnostics;
using System.Globalization;

namespace SuperCloud.Lab.Hosts;

/// <summary>
/// Starts the lab's long-running processes (node agents, the operator) detached — in a session of their own, stdin from
/// /dev/null, output appended to a log — so they outlive the command that started them and ignore its terminal; and stops
/// them by pid, checking the recorded start time so a reused pid is never signalled.
/// </summary>
/// <param name="commands">Runs <c>ip netns pids</c>.</param>
/// <param name="time">The clock for stop deadlines.</param>
/// <param name="logger">Where starts and stops are logged.</param>
public sealed class LabProcesses(CommandRunner commands, TimeProvider time, ILogger logger)
{
    // `ip netns exec` and sh's exec keep the pid, and setsid does not fork when its caller is no process group leader
    // (a child of this process is not): the pid Process.Start returns is the pid of the product executable.
    private const string Launcher = "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null";

    /// <summary>
    /// Starts <paramref name="executable"/> with <paramref name="baseArgs"/> then <paramref name="extraArgs"/>, in
    /// <paramref name="netns"/> when given, with <paramref name="environment"/> added to this process's environment.
    /// </summary>
    public LabProcess StartDetached(
        string name, string executable, IReadOnlyList<string> baseArgs, IReadOnlyList<string> extraArgs, string? netns, string log,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(baseArgs);
        ArgumentNullException.ThrowIfNull(extraArgs);
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        IReadOnlyList<string> args = [.. baseArgs, .. extraArgs];
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        foreach (var arg in (string[])["sh", "-c", Launcher, "sh", log])
        {
            info.ArgumentList.Add(arg);
        }

        if (netns is not null)
        {
            foreach (var arg in (string[])["ip", "netns", "exec", netns])
            {
                info.ArgumentList.Add(arg);
            }
        }

        info.ArgumentList.Add(executable);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new LabCommandException($"{name}: `{CommandRunner.Describe(executable, args)}` did not start");
        var stat = Posix.Stat(process.Id) ?? throw new LabCommandException($"{name}: `{CommandRunner.Describe(executable, args)}` exited at once; see {log}");
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Started {Name} (pid {Pid}{Netns}), log {Log}", name, process.Id, netns is null ? "" : ", netns " + netns, log);
        }

        return new LabProcess
        {
            Name = name,
            Pid = process.Id,
            StartTime = stat.StartTime,
            Netns = netns,
            Executable = executable,
            BaseArgs = baseArgs,
            Args = args,
            Log = log,
            Environment = environment is null ? null : new Dictionary<string, string>(environment, StringComparer.Ordinal),
        };
    }

    /// <summary>True while the recorded process runs (same pid and start time, not a zombie).</summary>
    public static bool IsRunning(LabProcess process)
    {
        ArgumentNullException.ThrowIfNull(process);
        return Posix.IsRunning(process.Pid, process.StartTime);
    }

    /// <summary>SIGTERM, then SIGKILL once <paramref name="grace"/> has passed; returns when the process is gone.</summary>
    public async Task StopAsync(LabProcess process, TimeSpan grace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        if (!IsRunning(process))
        {
            return;
        }

        Posix.Signal(process.Pid, Posix.SigTerm);
        if (await WaitExitAsync(process.Pid, process.StartTime, grace, cancellationToken))
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Stopped {Name} (pid {Pid})", process.Name, process.Pid);
            }

            return;
        }

        if (logger.IsEnabled(LogLevel.Warning))
        {
            logger.LogWarning("{Name} (pid {Pid}) did not exit within {Grace} of SIGTERM; killing it", process.Name, process.Pid, grace);
        }

        await KillAsync(process, cancellationToken);
    }

    /// <summary>SIGKILL; returns when the process is gone.</summary>
    public async Task KillAsync(LabProcess process, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(process);
        if (IsRunning(process))
        {
            Posix.Signal(process.Pid, Posix.SigKill);
            await WaitExitAsync(process.Pid, process.StartTime, TimeSpan.FromSeconds(30), cancellationToken);
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Killed {Name} (pid {Pid})", process.Name, process.Pid);
            }
        }
    }

    /// <summary>SIGKILLs every process in <paramref name="netns"/> (agents and the QEMUs they daemonized) and waits for them.</summary>
    public async Task KillNamespaceAsync(string netns, CancellationToken cancellationToken)
    {
        var (exitCode, stdout, _) = await commands.TryRunAsync("ip", ["netns", "pids", netns], cancellationToken);
        if (exitCode != 0)
        {
            return;
        }

        var pids = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture))
            .Select(pid => (Pid: pid, Stat: Posix.Stat(pid)))
            .Where(p => p.Stat is not null)
            .ToList();
        foreach (var (pid, _) in pids)
        {
            Posix.Signal(pid, Posix.SigKill);
        }

        foreach (var (pid, stat) in pids)
        {
            await WaitExitAsync(pid, stat!.Value.StartTime, TimeSpan.FromSeconds(30), cancellationToken);
        }

        if (pids.Count > 0 && logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Killed {Count} processes in netns {Netns}: {Pids}", pids.Count, netns, string.Join(' ', pids.Select(p => p.Pid)));
        }
    }

    /// <summary>Polls until <paramref name="pid"/> (started at <paramref name="startTime"/>) is gone or a zombie; false on timeout.</summary>
    public async Task<bool> WaitExitAsync(int pid, long startTime, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (Posix.IsRunning(pid, startTime))
        {
            if (time.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
        }

        return true;
    }
}
