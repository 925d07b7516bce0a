using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The real network address of a StubResource.</summary>
public sealed class StubEndpoint
{
    /// <summary>Host name or IP address.</summary>
    [MaxLength(253)]
    [Pattern(@"^[A-Za-z0-9]([-A-Za-z0-9.:]*[A-Za-z0-9])?$")]
    public required string Host { get; set; }

    /// <summary>Port number.</summary>
    [Minimum(1)]
    [Maximum(65535)]
    public required int Port { get; set; }

    /// <summary>Transport protocol.</summary>
    [Default("TCP")]
    public TransportProtocol? Protocol { get; set; }
}
