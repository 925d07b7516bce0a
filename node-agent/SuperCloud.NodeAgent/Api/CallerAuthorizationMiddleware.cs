using System.Globalization;
using System.Text;
using Grpc.Core;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.NodeAgent.Security;

namespace SuperCloud.NodeAgent.Api;

/// <summary>
/// Authenticates every request by its client certificate (a cluster CA of the trust bundle, clientAuth, a SuperCloud
/// identity) and authorizes it: the health service is open to any cluster identity, everything else to the operator
/// only — a node's identity never passes for the operator's, whatever the node is called. It runs before gRPC reads the
/// request, so even a malformed message from an unknown caller is answered "Unauthenticated" and reaches nothing;
/// rejections are trailers-only gRPC responses whose message says why.
/// </summary>
/// <param name="next">The rest of the pipeline.</param>
/// <param name="credentials">The trust bundle.</param>
/// <param name="timeProvider">The clock for validity checks.</param>
/// <param name="logger">Records rejected callers.</param>
public sealed class CallerAuthorizationMiddleware(RequestDelegate next, AgentCredentials credentials, TimeProvider timeProvider, ILogger<CallerAuthorizationMiddleware> logger)
{
    private const string HealthServicePrefix = "/grpc.health.v1.Health/";

    /// <summary>Lets the request through or answers it with Unauthenticated / PermissionDenied.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var method = context.Request.Path.Value ?? "";
        var (identity, error) = credentials.Trust.Verify(context.Connection.ClientCertificate, CertificateUsage.Client, timeProvider.GetUtcNow());
        if (identity is null)
        {
            logger.LogWarning("Rejected unauthenticated call to {Method} from {Peer}: {Error}", method, context.Connection.RemoteIpAddress, error);
            return RejectAsync(context, StatusCode.Unauthenticated, error!);
        }

        if (method.StartsWith(HealthServicePrefix, StringComparison.Ordinal) || identity == PeerIdentity.Operator)
        {
            return next(context);
        }

        logger.LogWarning("Denied {Method} to identity {Identity} from {Peer}", method, identity, context.Connection.RemoteIpAddress);
        return RejectAsync(context, StatusCode.PermissionDenied, $"identity '{identity}' may not call {method}: only the operator may");
    }

    private static Task RejectAsync(HttpContext context, StatusCode status, string message)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)status).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = PercentEncode(message);
        return Task.CompletedTask;
    }

    // gRPC's grpc-message encoding: printable ASCII except '%' as is, every other byte of the UTF-8 text as %XX.
    private static string PercentEncode(string message)
    {
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7e && b != (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }
}
