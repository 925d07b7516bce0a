using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace SuperCloud.NodeAgent.Network;

/// <summary>
/// <see cref="IOpenVSwitch"/> through the OVS command-line tools of the host's own instance, found by its run directory
/// (<c>OVS_RUNDIR</c>: the database socket, the bridges' management sockets, <c>ovs-vswitchd</c>'s pid and control socket).
/// Bundles keep an <c>ovs-ofctl</c> started ahead, waiting for its input: most of a one-shot invocation's 20–40 ms is
/// the tool starting and connecting, which a migration's switch-over should not wait for.
/// </summary>
public sealed class OvsCommands : IOpenVSwitch, IDisposable
{
    // A standby older than this is replaced before use: its connection may have been dropped by the switch.
    private static readonly TimeSpan StandbyLifetime = TimeSpan.FromSeconds(60);

    private readonly NetworkOptions _options;
    private readonly Dictionary<string, string> _environment;
    private readonly Lock _standbyLock = new();
    private Standby? _standby;

    /// <summary>Commands for the instance <paramref name="options"/> names.</summary>
    public OvsCommands(NetworkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["OVS_RUNDIR"] = options.OvsRunDirectory };
    }

    /// <inheritdoc />
    public Task<CommandOutput> VsctlAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        HostCommand.RunAsync("ovs-vsctl", [$"--db={_options.DatabaseSocket}", $"--timeout={(int)Math.Ceiling(_options.CommandTimeout.TotalSeconds)}", .. args], null, _environment, _options.CommandTimeout, cancellationToken);

    /// <inheritdoc />
    public Task<CommandOutput> OfctlAsync(IReadOnlyList<string> args, string? input, CancellationToken cancellationToken) =>
        HostCommand.RunAsync("ovs-ofctl", args, input, _environment, _options.CommandTimeout, cancellationToken);

    /// <inheritdoc />
    public async Task<CommandOutput> BundleAsync(string bridge, string flowMods, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(flowMods);
        Standby? standby;
        lock (_standbyLock)
        {
            standby = _standby;
            _standby = null;
        }

        if (standby is null || standby.Bridge != bridge || standby.Process.HasExited || Stopwatch.GetElapsedTime(standby.StartedAt) > StandbyLifetime)
        {
            standby?.Dispose();
            standby = Standby.Start(bridge, _environment);
        }

        CommandOutput result;
        using (standby)
        {
            result = await standby.RunAsync(flowMods, _options.CommandTimeout, cancellationToken);
        }

        // The next switch-over finds one waiting.
        lock (_standbyLock)
        {
            _standby ??= Standby.Start(bridge, _environment);
        }

        // A standby whose connection the switch dropped (a restart) fails at once: try once more, started afresh.
        return result.Succeeded || !result.Stderr.Contains("connection", StringComparison.OrdinalIgnoreCase)
            ? result
            : await OfctlAsync(["--bundle", "add-flows", bridge, "-"], flowMods, cancellationToken);
    }

    /// <inheritdoc />
    public Task<CommandOutput> AppctlAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        // "-t ovs-vswitchd": the control socket named after the pid in OVS_RUNDIR/ovs-vswitchd.pid, found anew after a restart.
        HostCommand.RunAsync("ovs-appctl", ["-t", "ovs-vswitchd", .. args], null, _environment, _options.CommandTimeout, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<string> MonitorAsync(string bridge, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("ovs-ofctl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["monitor", bridge, "watch:!initial"])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["OVS_RUNDIR"] = _options.OvsRunDirectory;
        using var process = Process.Start(info);
        if (process is null)
        {
            yield break;
        }

        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
            {
                yield return line;
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_standbyLock)
        {
            _standby?.Dispose();
            _standby = null;
        }
    }

    /// <summary>An <c>ovs-ofctl --bundle add-flows BRIDGE -</c> started and connected, waiting for its flow mods on stdin.</summary>
    private sealed class Standby : IDisposable
    {
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;

        private Standby(string bridge, Process process)
        {
            Bridge = bridge;
            Process = process;
            _stdout = process.StandardOutput.ReadToEndAsync();
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public string Bridge { get; }

        public Process Process { get; }

        public long StartedAt { get; } = Stopwatch.GetTimestamp();

        public static Standby Start(string bridge, IReadOnlyDictionary<string, string> environment)
        {
            var info = new ProcessStartInfo("ovs-ofctl")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in (string[])["--bundle", "add-flows", bridge, "-"])
            {
                info.ArgumentList.Add(arg);
            }

            foreach (var (name, value) in environment)
            {
                info.Environment[name] = value;
            }

            return new Standby(bridge, Process.Start(info) ?? throw new InvalidOperationException("ovs-ofctl did not start"));
        }

        public async Task<CommandOutput> RunAsync(string input, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            try
            {
                await Process.StandardInput.WriteAsync(input.AsMemory(), deadline.Token);
                Process.StandardInput.Close();
                await Process.WaitForExitAsync(deadline.Token);
                return new CommandOutput(Process.ExitCode, await _stdout, await _stderr);
            }
            catch (IOException e)
            {
                return new CommandOutput(1, "", $"ovs-ofctl: lost its connection: {e.Message}");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new CommandOutput(124, "", $"ovs-ofctl --bundle add-flows {Bridge}: no answer within {timeout.TotalSeconds:0.#} s");
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill();
            }

            Process.Dispose();
        }
    }
}
