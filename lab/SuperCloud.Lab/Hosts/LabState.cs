namespace SuperCloud.Lab.Hosts;

/// <summary>
/// What a lab has created, written to its data directory before (network objects) or right after (processes) each thing
/// is made, so that <c>supercloud-lab down</c> removes all of it even after <c>up</c> was killed.
/// </summary>
public sealed class LabState
{
    /// <summary>The data directory (absolute).</summary>
    public required string DataDir { get; init; }

    /// <summary>Whether <c>up</c> created the data directory (then <c>down</c> removes it).</summary>
    public bool CreatedDataDir { get; init; }

    /// <summary>The lab id (<see cref="LabTopology.Id"/>).</summary>
    public required string Id { get; init; }

    /// <summary>The <c>--clouds</c> value the lab was made from.</summary>
    public required string Clouds { get; init; }

    /// <summary>The lab's /16.</summary>
    public required string Subnet { get; init; }

    /// <summary>The API server's port (the same on 127.0.0.1 and the management address), once it listens.</summary>
    public int ApiPort { get; set; }

    /// <summary>The operator's /metrics, /healthz and /readyz address.</summary>
    public string? OperatorListenAddress { get; set; }

    /// <summary>The operator's dashboard address.</summary>
    public string? DashboardAddress { get; set; }

    /// <summary>Network namespaces, in creation order.</summary>
    public List<string> Namespaces { get; init; } = [];

    /// <summary>Interfaces in the root namespace.</summary>
    public List<string> RootLinks { get; init; } = [];

    /// <summary>Routes in the root namespace (<c>ip route</c> arguments).</summary>
    public List<string> RootRoutes { get; init; } = [];

    /// <summary>Files and directories made in the data directory, relative to it.</summary>
    public List<string> Files { get; init; } = [];

    /// <summary>Directories outside the data directory (absolute), such as the short aliases of the hosts' VM directories.</summary>
    public List<string> ExternalPaths { get; init; } = [];

    /// <summary>Running (or last started) processes by name.</summary>
    public Dictionary<string, LabProcess> Processes { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Rate limits on clouds' bridges (cloud → rate), as set by <c>link --rate</c>.</summary>
    public Dictionary<string, string> Shaping { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Cut links between clouds (<c>A,B</c>), as set by <c>link --cut</c>.</summary>
    public List<string> Cuts { get; init; } = [];

    /// <summary>Hosts cut off from the management link (the API server and the operator), as set by <c>link --isolate</c>.</summary>
    public List<string> Isolated { get; init; } = [];
}
