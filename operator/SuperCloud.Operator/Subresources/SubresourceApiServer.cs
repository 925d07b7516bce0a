using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace SuperCloud.Operator.Subresources;

/// <summary>
/// Serves <c>subresources.supercloud.dev</c> on its own TLS port, for the Kubernetes API server's aggregation layer only:
/// every request must present the front-proxy client certificate, whose <c>X-Remote-*</c> headers name the user.
/// </summary>
public sealed partial class SubresourceApiServer(SubresourceApiSettings settings, SuperPodSubresources subresources, ILogger<SubresourceApiServer> logger) : IHostedService, IAsyncDisposable
{
    private const string Prefix = "/apis/" + SuperPodSubresources.Group + "/" + SuperPodSubresources.Version;
    private WebApplication? _app;
    private X509Certificate2Collection _frontProxyCas = [];
    private IReadOnlyList<string> _allowedNames = [];

    /// <summary>The addresses it listens on, once started.</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var listen = new Uri(settings.ListenAddress!);
        var serving = X509Certificate2.CreateFromPemFile(settings.CertificatePath!, settings.KeyPath!);
        _frontProxyCas = [];
        _frontProxyCas.ImportFromPemFile(settings.RequestHeaderCaPath!);
        _allowedNames = settings.AllowedNames();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            var address = listen.Host is "0.0.0.0" or "*" or "+" ? IPAddress.Any : IPAddress.Parse(listen.Host);
            kestrel.Listen(address, listen.Port, o => o.UseHttps(https =>
            {
                https.ServerCertificate = serving;
                // The certificate is judged per request (RemoteUser), so a bad one gets kube's 401 instead of a TLS alert.
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.ClientCertificateValidation = static (_, _, _) => true;
            }));
            kestrel.AddServerHeader = false;
        });
        _app = builder.Build();
        _app.UseWebSockets();
        _app.Run(HandleAsync);
        await _app.StartAsync(cancellationToken);
        Addresses = [.. _app.Urls.Select(u => new Uri(u))];
        LogServing(settings.ListenAddress!);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        try
        {
            await ServeAsync(context);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(context.Request.Method, context.Request.Path.Value ?? "/", e);
            if (!context.Response.HasStarted)
            {
                await new SubresourceStatus(500, "InternalError", $"Internal error occurred: {e.Message}").WriteAsync(context.Response, context.RequestAborted);
            }
        }
    }

    private async Task ServeAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var path = (context.Request.Path.Value ?? "/").TrimEnd('/');
        if (path == "/healthz")
        {
            await context.Response.WriteAsync("ok", cancellationToken);
            return;
        }

        var user = RemoteUser.From(context.Request.Headers, context.Connection.ClientCertificate, _frontProxyCas, _allowedNames);
        if (user is null)
        {
            await new SubresourceStatus(401, "Unauthorized", "Unauthorized: only the API server's front proxy may call this API").WriteAsync(context.Response, cancellationToken);
            return;
        }

        if (path == Prefix && context.Request.Method == "GET")
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(SuperPodSubresources.ResourceList().ToJsonString(), cancellationToken);
            return;
        }

        // /apis/subresources.supercloud.dev/v1alpha1/namespaces/NS/superpods/NAME/SUBRESOURCE
        var parts = path.StartsWith(Prefix + "/", StringComparison.Ordinal) ? path[(Prefix.Length + 1)..].Split('/') : [];
        if (parts is ["namespaces", var ns, "superpods", var name, var subresource] && ns.Length > 0 && name.Length > 0)
        {
            await subresources.HandleAsync(context, user, ns, name, subresource, cancellationToken);
            return;
        }

        await new SubresourceStatus(404, "NotFound", "the server could not find the requested resource").WriteAsync(context.Response, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Subresource request {Method} {Path} failed")]
    private partial void LogFailed(string method, string path, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving subresources.supercloud.dev on {Address}")]
    private partial void LogServing(string address);
}
