using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Agents;

/// <summary>
/// Hands out gRPC clients for node agents, one HTTP/2 channel per agent endpoint, over mutual TLS: the operator presents
/// its client certificate; the agent's certificate must chain to the cluster CA and be issued for server authentication.
/// The host name is deliberately not matched, because agents may share one server certificate that names none of them.
/// </summary>
public sealed class AgentClientFactory : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private readonly ConcurrentDictionary<string, Lazy<GrpcChannel>> _channels = new(StringComparer.Ordinal);
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

    /// <summary>A client for the agent at <paramref name="endpoint"/> (<c>host:port</c>, a SuperNode's spec.agentEndpoint).</summary>
    public NodeAgent.NodeAgentClient Client(string endpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        var channel = _channels.GetOrAdd(endpoint, e => new Lazy<GrpcChannel>(() => CreateChannel(e))).Value;
        return new NodeAgent.NodeAgentClient(channel);
    }

    /// <summary>The deadline for a call that starts now.</summary>
    public DateTime Deadline() => _timeProvider.GetUtcNow().UtcDateTime + _options.CallTimeout;

    /// <summary>
    /// True when <paramref name="error"/> means the agent could not be reached or did not answer in time, rather than
    /// answered with an error: no connection, deadline exceeded, or a failed TLS handshake (Grpc.Net.Client reports
    /// transport failures before the call started as Internal with the HttpRequestException attached).
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

    private GrpcChannel CreateChannel(string endpoint)
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
                ClientCertificates = [_options.ClientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && IsAgentCertificate(certificate),
            },
        };
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true, Credentials = ChannelCredentials.SecureSsl });
    }

    /// <summary>True when <paramref name="certificate"/> chains to the cluster CA (and only to it) and allows server authentication.</summary>
    internal bool IsAgentCertificate(X509Certificate certificate)
    {
        using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_options.ClusterCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _timeProvider.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(ServerAuth);
        if (!chain.Build(presented))
        {
            return false;
        }

        // CustomRootTrust accepts any root in the store; insist that the chain ends at the cluster CA itself.
        var root = chain.ChainElements[^1].Certificate;
        return root.RawDataMemory.Span.SequenceEqual(_options.ClusterCa.RawDataMemory.Span);
    }
}
