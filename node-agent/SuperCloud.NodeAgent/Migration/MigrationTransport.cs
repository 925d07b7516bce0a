using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SuperCloud.NodeAgent.Security;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// Opens migration connections to peer agents: TCP to the peer's agent port, TLS with this agent's certificate as the
/// client certificate and the ALPN protocol <see cref="MigrationWire.AlpnProtocol"/>, the peer's certificate checked
/// against the cluster CA and the expected node name, then the hello/accept handshake with the one-time token.
/// </summary>
/// <param name="clusterCa">The only trust anchor for peer certificates.</param>
/// <param name="agentCertificate">This agent's certificate (with key), presented to the peer.</param>
/// <param name="options">Timeouts.</param>
/// <param name="timeProvider">The clock for timeouts.</param>
public sealed class MigrationTransport(X509Certificate2 clusterCa, X509Certificate2 agentCertificate, MigrationOptions options, TimeProvider timeProvider)
{
    private readonly ClientIdentity _peers = new(clusterCa, timeProvider);

    // A certificate loaded from PEM has an ephemeral key, which TLS client authentication on Linux refuses; a PKCS#12
    // round trip gives a persisted one.
    private readonly X509Certificate2 _clientCertificate = X509CertificateLoader.LoadPkcs12(agentCertificate.Export(X509ContentType.Pkcs12), null);

    /// <summary>
    /// Connects to <paramref name="endpoint"/> (<c>host:port</c>), which must present the identity <paramref name="expectedNode"/>,
    /// and completes the handshake with <paramref name="hello"/>. Throws <see cref="MigrationConnectException"/> with a
    /// reason saying whether the peer was unreachable, not the expected node, or refused the migration.
    /// </summary>
    internal async Task<Stream> ConnectAsync(string endpoint, string expectedNode, MigrationControl hello, CancellationToken cancellationToken)
    {
        var (host, port) = ParseEndpoint(endpoint);
        var tcp = new TcpClient { NoDelay = true };
        SslStream? tls = null;
        string? certificateError = null;
        try
        {
            using (var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connect.CancelAfter(options.ConnectTimeout);
                try
                {
                    await tcp.ConnectAsync(host, port, connect.Token);
                }
                catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    throw new MigrationConnectException(MigrationConnectException.TargetUnreachable,
                        $"cannot connect to the target agent {expectedNode} at {endpoint}: {(ex is SocketException s ? s.SocketErrorCode.ToString() : "timed out")}", ex);
                }

                // A cut link must not leave the connection hanging for the kernel's default of two hours.
                tcp.Client.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
                tcp.Client.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 10);
                tcp.Client.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 5);
                tcp.Client.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 3);
                tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
                try
                {
                    await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                    {
                        TargetHost = expectedNode,
                        ApplicationProtocols = [new SslApplicationProtocol(MigrationWire.AlpnProtocol)],
                        ClientCertificates = [_clientCertificate],
                        EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
                        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                        {
                            certificateError = CheckPeer(certificate, expectedNode);
                            return certificateError is null;
                        },
                    }, connect.Token);
                }
                catch (Exception ex) when (ex is AuthenticationException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    throw new MigrationConnectException(
                        certificateError is null ? MigrationConnectException.TargetUnreachable : MigrationConnectException.TargetIdentity,
                        $"TLS with the target agent {expectedNode} at {endpoint} failed: {certificateError ?? ex.Message}", ex);
                }
            }

            if (tls.NegotiatedApplicationProtocol != new SslApplicationProtocol(MigrationWire.AlpnProtocol))
            {
                throw new MigrationConnectException(MigrationConnectException.TargetRejected,
                    $"the agent at {endpoint} does not accept migration connections (ALPN {MigrationWire.AlpnProtocol} not negotiated)");
            }

            using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            handshake.CancelAfter(options.HandshakeTimeout);
            MigrationControl reply;
            try
            {
                await MigrationWire.WriteControlAsync(tls, hello, handshake.Token);
                reply = await MigrationWire.ReadControlAsync(tls, handshake.Token);
            }
            catch (Exception ex) when (ex is IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new MigrationConnectException(MigrationConnectException.TargetUnreachable,
                    $"the handshake with the target agent {expectedNode} failed: {ex.Message}", ex);
            }

            if (reply.Type != MigrationControl.Accept)
            {
                throw new MigrationConnectException(MigrationConnectException.TargetRejected,
                    $"the target agent {expectedNode} refused the migration: {reply.Message ?? reply.Reason ?? reply.Type}");
            }

            return tls;
        }
        catch
        {
            if (tls is not null)
            {
                await tls.DisposeAsync();
            }

            tcp.Dispose();
            throw;
        }
    }

    private string? CheckPeer(X509Certificate? certificate, string expectedNode)
    {
        using var presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var (identity, error) = _peers.Verify(presented, server: true);
        if (identity is null)
        {
            return error;
        }

        return identity == expectedNode ? null : $"the peer is '{identity}', not the target node '{expectedNode}'";
    }

    private static (string Host, int Port) ParseEndpoint(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"target endpoint must be host:port, got '{endpoint}'", nameof(endpoint));
        }

        return (endpoint[..colon].Trim('[', ']'), port);
    }
}
