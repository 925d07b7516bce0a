using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http.Features;
using SuperCloud.NodeAgent.Security;

namespace SuperCloud.NodeAgent.Migration;

/// <summary>
/// Serves migration connections on the agent's own port: Kestrel's TLS negotiated the ALPN protocol
/// <see cref="MigrationWire.AlpnProtocol"/>, so the connection carries a migration stream instead of HTTP/2. The peer's
/// client certificate must chain to the cluster CA; which node it must be is the migration's business.
/// </summary>
/// <param name="manager">The agent's migrations.</param>
/// <param name="identities">Verifies client certificates.</param>
/// <param name="options">The handshake timeout.</param>
/// <param name="logger">Records refused connections.</param>
public sealed class MigrationConnectionHandler(MigrationManager manager, ClientIdentity identities, MigrationOptions options, ILogger<MigrationConnectionHandler> logger)
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
        var (peer, error) = identities.Verify(certificate);
        try
        {
            if (peer is null)
            {
                logger.ConnectionRefused(connection.RemoteEndPoint?.ToString() ?? "unknown", null, error ?? "no identity");
                await MigrationWire.WriteControlAsync(stream, new MigrationControl { Type = MigrationControl.Reject, Reason = "Unauthenticated", Message = error }, connection.ConnectionClosed);
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
