using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace SuperCloud.NodeAgent.Network;

/// <summary>
/// <see cref="IOpenVSwitch"/> through the OVS command-line tools of the host's own instance, found by its run directory
/// (<c>OVS_RUNDIR</c>: the database socket, the bridges' management sockets, <c>ovs-vswitchd</c>'s pid and control socket).
/// </summary>
/// <param name="options">Where the instance lives and how long a command may take.</param>
public sealed class OvsCommands(NetworkOptions options) : IOpenVSwitch
{
    private readonly Dictionary<string, string> _environment = new(StringComparer.Ordinal) { ["OVS_RUNDIR"] = options.OvsRunDirectory };

    /// <inheritdoc />
    public Task<CommandOutput> VsctlAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        HostCommand.RunAsync("ovs-vsctl", [$"--db={options.DatabaseSocket}", $"--timeout={(int)Math.Ceiling(options.CommandTimeout.TotalSeconds)}", .. args], null, _environment, options.CommandTimeout, cancellationToken);

    /// <inheritdoc />
    public Task<CommandOutput> OfctlAsync(IReadOnlyList<string> args, string? input, CancellationToken cancellationToken) =>
        HostCommand.RunAsync("ovs-ofctl", args, input, _environment, options.CommandTimeout, cancellationToken);

    /// <inheritdoc />
    public Task<CommandOutput> AppctlAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        // "-t ovs-vswitchd": the control socket named after the pid in OVS_RUNDIR/ovs-vswitchd.pid, found anew after a restart.
        HostCommand.RunAsync("ovs-appctl", ["-t", "ovs-vswitchd", .. args], null, _environment, options.CommandTimeout, cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<string> MonitorAsync(string bridge, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("ovs-ofctl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["monitor", bridge, "watch:!initial"])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["OVS_RUNDIR"] = options.OvsRunDirectory;
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
}
