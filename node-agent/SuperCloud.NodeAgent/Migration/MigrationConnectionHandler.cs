using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Agent.V1;
using SuperCloud.NodeAgent.Security;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// Serves migration connections on the agent's own port: Kestrel's TLS negotiated the ALPN protocol
/// <see cref="MigrationWire.AlpnProtocol"/>, so the connection carries a migration stream instead of HTTP/2. The peer's
/// client certificate must chain to the trust bundle and name a node; which node it must be is the migration's business.
/// </summary>
/// <param name="manager">The agent's migrations.</param>
/// <param name="credentials">The trust bundle.</param>
/// <param name="options">The handshake timeout.</param>
/// <param name="timeProvider">The clock for certificate validity.</param>
/// <param name="logger">Records refused connections.</param>
public sealed class MigrationConnectionHandler(
    MigrationManager manager, AgentCredentials credentials, MigrationOptions options, TimeProvider timeProvider, ILogger<MigrationConnectionHandler> logger)
{
    /// <summary>True when <paramref name="connection"/> negotiated the migration protocol.</summary>
    public static bool IsMigrationConnection(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var protocol = connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol ?? ReadOnlyMemory<byte>.Empty;
        return protocol.Span.SequenceEqual(System.Text.Encoding.ASCII.GetBytes(MigrationWire.AlpnProtocol));
    }

    /// <summary>Serves the connection until its migration stream is over.</summary>
    public async Task HandleAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var stream = new DuplexPipeStream(connection.Transport, connection.Abort);
        var certificate = connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate;
        var (identity, error) = credentials.Trust.Verify(certificate, CertificateUsage.Client, timeProvider.GetUtcNow());
        if (identity is { Kind: not PeerKind.Node })
        {
            (identity, error) = (null, $"identity '{identity}' may not send migrations: only node agents may");
        }

        var peer = identity?.Name;
        try
        {
            if (peer is null)
            {
                logger.ConnectionRefused(connection.RemoteEndPoint?.ToString() ?? "unknown", null, error ?? "no identity");
                await MigrationWire.WriteControlAsync(stream, new MigrationControl { Type = MigrationControl.Reject, Reason = MigrationFailureReason.TargetRejected, Message = error }, connection.ConnectionClosed);
                return;
            }

            MigrationControl hello;
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
            {
                handshake.CancelAfter(options.HandshakeTimeout);
                hello = await MigrationWire.ReadControlAsync(stream, handshake.Token);
            }

            await manager.ServeConnectionAsync(stream, stream.Abort, peer, hello, connection.ConnectionClosed);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            logger.ConnectionEnded(peer ?? "unknown", connection.RemoteEndPoint?.ToString(), ex.Message);
        }
    }
}
