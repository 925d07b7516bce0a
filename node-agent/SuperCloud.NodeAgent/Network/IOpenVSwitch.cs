namespace SuperCloud.NodeAgent.Network;

/// <summary>
/// The seam to this host's Open vSwitch instance: its database (ovs-vsctl), its OpenFlow switches (ovs-ofctl) and its
/// control socket (ovs-appctl). Arguments are those of the tools after their connection options.
/// </summary>
public interface IOpenVSwitch
{
    /// <summary>Runs <c>ovs-vsctl</c> against the host's database.</summary>
    Task<CommandOutput> VsctlAsync(IReadOnlyList<string> args, CancellationToken cancellationToken);

    /// <summary>Runs <c>ovs-ofctl</c>, with <paramref name="input"/> on its standard input when given (flow files as <c>-</c>).</summary>
    Task<CommandOutput> OfctlAsync(IReadOnlyList<string> args, string? input, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="flowMods"/> (<c>add</c> / <c>delete_strict</c> lines) to <paramref name="bridge"/> as one
    /// OpenFlow bundle, as fast as the switch allows: this is the path of a migration's switch-over.
    /// </summary>
    Task<CommandOutput> BundleAsync(string bridge, string flowMods, CancellationToken cancellationToken);

    /// <summary>Runs <c>ovs-appctl</c> against <c>ovs-vswitchd</c>.</summary>
    Task<CommandOutput> AppctlAsync(IReadOnlyList<string> args, CancellationToken cancellationToken);

    /// <summary>
    /// Follows the flow table of <paramref name="bridge"/> (<c>ovs-ofctl monitor</c>): yields each change until the
    /// connection to <c>ovs-vswitchd</c> ends, which is how a restart of the switch is noticed at once.
    /// </summary>
    IAsyncEnumerable<string> MonitorAsync(string bridge, CancellationToken cancellationToken);
}
