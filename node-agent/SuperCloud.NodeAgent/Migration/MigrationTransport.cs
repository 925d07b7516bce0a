using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.NodeAgent.Security;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// Opens migration connections to peer agents: TCP to the peer's agent port, TLS with this agent's client certificate
/// and the ALPN protocol <see cref="MigrationWire.AlpnProtocol"/>, the peer's server certificate checked against the
/// trust bundle and the expected node's identity, then the hello/accept handshake with the one-time token.
/// </summary>
/// <param name="credentials">This agent's client certificate and the trust bundle.</param>
/// <param name="options">Timeouts.</param>
/// <param name="timeProvider">The clock for timeouts and certificate validity.</param>
public sealed class MigrationTransport(AgentCredentials credentials, MigrationOptions options, TimeProvider timeProvider)
{
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
                        ClientCertificates = [credentials.Client.Certificate],
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
                    $"the target agent {expectedNode} refused the migration: {reply.Message ?? reply.Reason.ToString()}");
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
        var (identity, error) = credentials.Trust.Verify(presented, CertificateUsage.Server, timeProvider.GetUtcNow());
        if (identity is null)
        {
            return error;
        }

        var expected = PeerIdentity.Node(expectedNode);
        return identity == expected ? null : $"the peer is '{identity}', not the target '{expected}'";
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
