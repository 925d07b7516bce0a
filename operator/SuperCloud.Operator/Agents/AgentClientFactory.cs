using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Agent.V1;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Agents;

/// <summary>
/// Hands out gRPC clients for node agents, one HTTP/2 channel per node and endpoint, over mutual TLS: the operator
/// presents its client certificate (the current one: renewals are picked up by new connections); the agent's server
/// certificate must chain to the trust bundle and carry the identity of the SuperNode the operator means to call —
/// an endpoint that answers with another node's certificate (a stale or spoofed spec.agentEndpoint) is refused.
/// </summary>
public sealed class AgentClientFactory : IDisposable
{
    private readonly ConcurrentDictionary<(string Node, string Endpoint), Lazy<GrpcChannel>> _channels = new();
    private readonly AgentClientOptions _options;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a factory; <paramref name="options"/> are validated.</summary>
    public AgentClientFactory(AgentClientOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _options = options;
        _timeProvider = timeProvider;
    }

    /// <summary>The deadline of each call.</summary>
    public TimeSpan CallTimeout => _options.CallTimeout;

    /// <summary>A client for <paramref name="node"/>'s agent at its spec.agentEndpoint.</summary>
    public NodeAgent.NodeAgentClient Client(SuperNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return Client(node.Metadata.Name, node.Spec.AgentEndpoint);
    }

    /// <summary>A client for the agent of node <paramref name="node"/> at <paramref name="endpoint"/> (<c>host:port</c>).</summary>
    public NodeAgent.NodeAgentClient Client(string node, string endpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        var channel = _channels.GetOrAdd((node, endpoint), key => new Lazy<GrpcChannel>(() => CreateChannel(key.Node, key.Endpoint))).Value;
        return new NodeAgent.NodeAgentClient(channel);
    }

    /// <summary>The deadline for a call that starts now.</summary>
    public DateTime Deadline() => _timeProvider.GetUtcNow().UtcDateTime + _options.CallTimeout;

    /// <summary>
    /// True when <paramref name="error"/> means the agent could not be reached or did not answer in time, rather than
    /// answered with an error: no connection, deadline exceeded, or a failed TLS handshake (Grpc.Net.Client reports
    /// transport failures before the call started as Internal with the HttpRequestException attached). A certificate
    /// of the wrong node is such a handshake failure: whatever answers there is not the node's agent.
    /// </summary>
    public static bool IsUnreachable(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
            || (error.StatusCode == StatusCode.Internal && error.Status.DebugException is HttpRequestException);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var channel in _channels.Values.Where(c => c.IsValueCreated))
        {
            channel.Value.Dispose();
        }

        _channels.Clear();
    }

    private GrpcChannel CreateChannel(string node, string endpoint)
    {
        if (!Uri.TryCreate($"https://{endpoint}", UriKind.Absolute, out var address) || address.Port <= 0 || address.AbsolutePath != "/")
        {
            throw new ArgumentException($"agent endpoint '{endpoint}' must be host:port", nameof(endpoint));
        }

        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = _options.ConnectTimeout,
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                LocalCertificateSelectionCallback = (_, _, _, _, _) => _options.Credentials.Certificate,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && IsAgentOf(node, certificate),
            },
        };
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true, Credentials = ChannelCredentials.SecureSsl });
    }

    /// <summary>True when <paramref name="certificate"/> is a server certificate of the trust bundle that names node <paramref name="node"/>.</summary>
    internal bool IsAgentOf(string node, X509Certificate certificate)
    {
        using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var (identity, _) = _options.Credentials.Trust.Verify(presented, CertificateUsage.Server, _timeProvider.GetUtcNow());
        return identity == PeerIdentity.Node(node);
    }
}
