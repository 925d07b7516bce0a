namespace SuperCloud.NodeAgent.Network;

/// <summary>The overlay network's log events.</summary>
internal static partial class NetworkLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Network generation {Generation} installed: {Flows} flows, {Endpoints} interfaces, {Local} local ({Elapsed} ms)")]
    public static partial void Installed(this ILogger logger, string generation, int flows, int endpoints, int local, long elapsed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Network generation {Generation} not installed: {Reason}: {Message}; the previous flows stay in place")]
    public static partial void NotInstalled(this ILogger logger, string generation, string reason, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId} network {Change} on this host in {Elapsed} ms ({Flows} flow changes)")]
    public static partial void Switched(this ILogger logger, string vmId, string change, long elapsed, int flows);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId}: tap {Tap} ({Mac}) plugged into {Bridge}")]
    public static partial void Plugged(this ILogger logger, string vmId, string tap, string mac, string bridge);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId}: tap {Tap} removed")]
    public static partial void Unplugged(this ILogger logger, string vmId, string tap);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Open vSwitch went away ({Why}); replaying the network when it is back")]
    public static partial void SwitchLost(this ILogger logger, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Open vSwitch is back: bridges, routes and {Flows} flows replayed, {Elapsed} ms after it went away")]
    public static partial void Replayed(this ILogger logger, int flows, long elapsed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Network setup step failed: {Step}: {Error}")]
    public static partial void SetupFailed(this ILogger logger, string step, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "VM {VmId} left for {Target}: forwarding its traffic there for {Grace} s")]
    public static partial void Forwarding(this ILogger logger, string vmId, string target, double grace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM {VmId}: paused for good by a migration whose target underlay address is unknown; its traffic is not forwarded")]
    public static partial void NoForwardingTarget(this ILogger logger, string vmId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the persisted network state {Path}: {Error}")]
    public static partial void StateUnreadable(this ILogger logger, string path, string error);
}
