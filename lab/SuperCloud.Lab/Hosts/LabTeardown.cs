namespace SuperCloud.Lab.Hosts;

/// <summary>
/// Removes what a lab made, from its state file: processes (the operator, the agents, then whatever still runs in the lab's
/// namespaces — the QEMUs the agents daemonized), then the network, then its files. Used by <c>up</c> when it stops and
/// by <c>down</c>, which first stops a running <c>up</c>.
/// </summary>
/// <param name="store">The lab's state file.</param>
/// <param name="commands">Runs ip.</param>
/// <param name="processes">Stops processes.</param>
/// <param name="time">The clock for deadlines.</param>
/// <param name="logger">Logs what is removed.</param>
public sealed class LabTeardown(LabStateStore store, CommandRunner commands, LabProcesses processes, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan ProcessGrace = TimeSpan.FromSeconds(5);

    /// <summary>How long <c>down</c> lets a running <c>up</c> tear its lab down before killing it.</summary>
    public static readonly TimeSpan UpGrace = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Everything: SIGTERMs a running <c>up</c> and waits for it, then removes whatever is left (all of it when <c>up</c>
    /// was killed). Returns false when there was no lab.
    /// </summary>
    public async Task<bool> DownAsync(string dataDir, CancellationToken cancellationToken)
    {
        var state = store.Read();
        if (state?.Processes.GetValueOrDefault(LabProcessNames.Up) is { } up && LabProcesses.IsRunning(up))
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Stopping supercloud-lab up (pid {Pid})", up.Pid);
            }

            Posix.Signal(up.Pid, Posix.SigTerm);
            if (!await processes.WaitExitAsync(up.Pid, up.StartTime, UpGrace, cancellationToken))
            {
                if (logger.IsEnabled(LogLevel.Warning))
                {
                    logger.LogWarning("supercloud-lab up (pid {Pid}) did not finish within {Grace}; killing it", up.Pid, UpGrace);
                }

                await processes.KillAsync(up, cancellationToken);
            }

            state = store.Read();
            if (state is null)
            {
                // up removed its lab itself.
                return true;
            }
        }

        // Without a state file there may still be namespaces from a lab whose first record never reached the disk:
        // their names carry the id of this data directory.
        var found = state is not null;
        state ??= new LabState { DataDir = dataDir, Id = LabTopology.IdOf(dataDir), Clouds = "", Subnet = "" };
        await StopProcessesAsync(state, cancellationToken);
        await RemoveNetworkAndFilesAsync(state, cancellationToken);
        return found;
    }

    /// <summary>Stops the operator and agents (SIGTERM, then SIGKILL after a few seconds) and kills every process left in the lab's namespaces.</summary>
    public async Task StopProcessesAsync(LabState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var children = state.Processes.Values.Where(p => p.Name != LabProcessNames.Up).ToList();
        await Task.WhenAll(children.Select(p => processes.StopAsync(p, ProcessGrace, cancellationToken)));
        var prefix = "sc" + state.Id + "-";
        var namespaces = (await commands.RunAsync("ip", ["netns", "list"], cancellationToken))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0])
            .Where(ns => ns.StartsWith(prefix, StringComparison.Ordinal) || state.Namespaces.Contains(ns));
        foreach (var ns in namespaces)
        {
            await processes.KillNamespaceAsync(ns, cancellationToken);
        }
    }

    /// <summary>Deletes the namespaces, links and routes, the files the lab made, its state file, and the data directory when the lab created it.</summary>
    public async Task RemoveNetworkAndFilesAsync(LabState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        await LabNetwork.DestroyAsync(state, commands, logger, cancellationToken);
        foreach (var relative in state.Files)
        {
            var path = Path.Combine(state.DataDir, relative);
            if (Directory.Exists(path))
            {
                await DeleteDirectoryAsync(path, cancellationToken);
            }
            else
            {
                File.Delete(path);
            }
        }

        foreach (var external in state.ExternalPaths.Append(LabTopology.AliasDirectoryOf(state.Id)).Distinct())
        {
            if (Directory.Exists(external))
            {
                // Remove the aliases (symbolic links) themselves, never what they point to.
                foreach (var entry in Directory.EnumerateFileSystemEntries(external))
                {
                    if (new FileInfo(entry).LinkTarget is not null)
                    {
                        File.Delete(entry);
                    }
                }

                Directory.Delete(external, recursive: true);
            }
        }

        store.Delete();
        if (state.CreatedDataDir && Directory.Exists(state.DataDir) && !Directory.EnumerateFileSystemEntries(state.DataDir).Any())
        {
            Directory.Delete(state.DataDir);
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Lab {Id} in {DataDir} removed", state.Id, state.DataDir);
        }
    }

    // A QEMU that was just killed may still be closing its files (console log, QMP socket) for a moment.
    private async Task DeleteDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                Directory.Delete(path, recursive: true);
                return;
            }
            catch (IOException) when (time.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
        }
    }
}
