using System.Net;
using System.Net.Sockets;

namespace SuperCloud.Lab.Spot;

/// <summary>What a <see cref="SpotLabServer"/> serves and where.</summary>
public sealed record SpotLabServerOptions
{
    /// <summary>The lab's data directory (the market file).</summary>
    public required string DataDir { get; init; }

    /// <summary>The address the EC2 endpoints listen on (the lab's management address).</summary>
    public required IPAddress Ec2Address { get; init; }

    /// <summary>The clouds that get an EC2 endpoint (the market's aws clouds).</summary>
    public required IReadOnlyList<string> Clouds { get; init; }

    /// <summary>A bound socket per host on which its instance metadata is served.</summary>
    public IReadOnlyList<(string Host, Socket Socket)> MetadataSockets { get; init; } = [];

    /// <summary>How each EC2 endpoint behaves.</summary>
    public Ec2ApiOptions Ec2 { get; init; } = new();

    /// <summary>Stops a host (its agent and VMs) when its instance is terminated or its notice's deadline passes.</summary>
    public Func<string, CancellationToken, Task>? TearDown { get; init; }

    /// <summary>How often notices' deadlines are checked.</summary>
    public TimeSpan EnforceInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Logs.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
