using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.NodeAgent.Api;
using SuperCloud.Images;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Images;
using SuperCloud.NodeAgent.Migration;
using SuperCloud.NodeAgent.Network;
using SuperCloud.NodeAgent.Ownership;
using SuperCloud.NodeAgent.Security;

namespace SuperCloud.NodeAgent;

/// <summary>
/// Builds the agent's server: HTTP/2 over mutual TLS with the NodeAgent service and the gRPC health service, and on the
/// same port, selected by ALPN, the migration connections of peer agents.
/// </summary>
public static class AgentServer
{
    /// <summary>
    /// Builds (does not start) the server. <paramref name="credentials"/> authenticate clients (trust bundle) and are
    /// presented to them (server certificate) and to peers (client certificate); <paramref name="driver"/> runs the VMs
    /// and is disposed with the application; <paramref name="images"/> is the host's image cache the driver boots from
    /// (its unused images are collected); <paramref name="network"/>, when enabled, plugs the VMs' NICs into the
    /// overlay (none: VMs get no overlay NICs).
    /// </summary>
    public static WebApplication Build(
        NodeAgentOptions options,
        AgentCredentials credentials,
        IHypervisorDriver driver,
        ImageCache images,
        TimeProvider timeProvider,
        Action<WebApplicationBuilder>? configure = null,
        MigrationOptions? migration = null,
        NetworkAgent? network = null)
    {
        migration ??= new MigrationOptions();
        if (migration.Validate() is { Count: > 0 } migrationErrors)
        {
            throw new ArgumentException("invalid migration options: " + string.Join("; ", migrationErrors), nameof(migration));
        }

        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid node agent options: " + string.Join("; ", errors), nameof(options));
        }

        var builder = WebApplication.CreateSlimBuilder();
        configure?.Invoke(builder);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(options.ListenAddress), options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(https =>
                {
                    // Chosen per handshake, so a renewed certificate is used from the next connection on.
                    https.ServerCertificateSelector = (_, _) => credentials.Server.Certificate;
                    https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                    // The certificate is requested in the handshake but judged per request by CallerAuthorizationMiddleware,
                    // so that a rejected caller gets a gRPC status saying why instead of a bare TLS alert.
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.ClientCertificateValidation = static (_, _, _) => true;

                    // Peer agents ask for the migration protocol; the operator asks for h2, so each gets its own.
                    https.OnAuthenticate = static (_, ssl) => ssl.ApplicationProtocols?.Add(new SslApplicationProtocol(MigrationWire.AlpnProtocol));
                });
                listen.Use(next => connection => MigrationConnectionHandler.IsMigrationConnection(connection)
                    ? kestrel.ApplicationServices.GetRequiredService<MigrationConnectionHandler>().HandleAsync(connection)
                    : next(connection));
            });
        });

        network ??= new NetworkAgent(new NetworkOptions(), options.NodeName, new OvsCommands(new NetworkOptions()), timeProvider, NullLogger<NetworkAgent>.Instance);
        if (network.Enabled)
        {
            var hypervisor = driver;
            network.UseVmInventory(async ct => (await hypervisor.ListAsync(ct)).Select(v => v.Id).ToList());
            driver = new NetworkedHypervisorDriver(driver, network);
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(timeProvider);
        builder.Services.AddSingleton(driver);
        builder.Services.AddSingleton(credentials);
        builder.Services.AddSingleton(network);
        builder.Services.AddHostedService(_ => network);
        builder.Services.AddSingleton(images);
        builder.Services.AddSingleton(images.Options);
        builder.Services.AddSingleton<ImagePulls>();
        builder.Services.AddSingleton<ImageGarbageCollector>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ImageGarbageCollector>());
        builder.Services.AddSingleton<HostResources>();
        builder.Services.AddSingleton(migration);
        builder.Services.AddSingleton(sp => new MigrationTransport(credentials, migration, timeProvider));
        builder.Services.AddSingleton(sp => VmOwnership.Open(driver.StateDirectory, timeProvider, sp.GetRequiredService<ILogger<VmOwnership>>()));
        builder.Services.AddSingleton<MigrationManager>();
        builder.Services.AddSingleton<MigrationConnectionHandler>();
        builder.Services.AddGrpc(grpc => grpc.EnableDetailedErrors = false);
        builder.Services.AddGrpcHealthChecks()
            .AddAsyncCheck("hypervisor", async ct =>
            {
                var info = await driver.GetInfoAsync(ct);
                return info.Available ? HealthCheckResult.Healthy(info.Detail) : HealthCheckResult.Unhealthy(info.Detail);
            });

        var app = builder.Build();
        app.UseMiddleware<CallerAuthorizationMiddleware>();
        app.MapGrpcService<NodeAgentService>();
        app.MapGrpcHealthChecksService();
        app.Lifetime.ApplicationStopped.Register(() => driver.DisposeAsync().AsTask().GetAwaiter().GetResult());
        return app;
    }

    /// <summary>The address the started server listens on, e.g. <c>https://127.0.0.1:40123</c>.</summary>
    public static Uri ListeningAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new Uri(app.Urls.First());
    }
}
