using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging.Abstractions;

namespace SuperCloud.Lab.Spot;

/// <summary>
/// Serves the lab's simulated EC2: an EC2 Query API endpoint per cloud and an instance-metadata endpoint per host, from
/// the market in <c>DIR/spot-market.json</c>; tears a host down when its interruption notice's deadline passes.
/// </summary>
public sealed partial class SpotLabServer : IAsyncDisposable
{
    private const string CloudItem = "supercloud.ec2.cloud";
    private const string HostItem = "supercloud.imds.host";

    private readonly WebApplication _app;
    private readonly SpotLabServerOptions _options;
    private readonly SpotMarketStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _enforcer;
    private int _disposed;

    private SpotLabServer(
        WebApplication app, SpotLabServerOptions options, SpotMarketStore store, TimeProvider time, ILogger logger,
        IReadOnlyDictionary<string, Ec2QueryApi> ec2, IReadOnlyDictionary<string, InstanceMetadataApi> metadata, IReadOnlyDictionary<string, Uri> endpoints)
    {
        _app = app;
        _options = options;
        _store = store;
        _time = time;
        _logger = logger;
        Ec2 = ec2;
        Metadata = metadata;
        Ec2Endpoints = endpoints;
        _enforcer = Task.Run(() => EnforceAsync(_stop.Token));
    }

    /// <summary>The EC2 endpoint of each cloud.</summary>
    public IReadOnlyDictionary<string, Uri> Ec2Endpoints { get; }

    /// <summary>The EC2 API of each cloud (tests throttle it and count its calls).</summary>
    public IReadOnlyDictionary<string, Ec2QueryApi> Ec2 { get; }

    /// <summary>The metadata service of each host.</summary>
    public IReadOnlyDictionary<string, InstanceMetadataApi> Metadata { get; }

    /// <summary>Starts the endpoints; the market file must exist.</summary>
    public static async Task<SpotLabServer> StartAsync(SpotLabServerOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("supercloud-lab-spot");
        var store = new SpotMarketStore(options.DataDir, time);
        var ec2 = options.Clouds.ToDictionary(c => c, c => new Ec2QueryApi(c, store, options.Ec2, time, options.TearDown), StringComparer.Ordinal);
        var metadata = options.MetadataSockets.ToDictionary(m => m.Host, m => new InstanceMetadataApi(m.Host, store, time), StringComparer.Ordinal);
        var ports = options.Clouds.ToDictionary(c => c, _ => FreePort(options.Ec2Address), StringComparer.Ordinal);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var (cloud, port) in ports)
            {
                kestrel.Listen(options.Ec2Address, port, listen => listen.Use(next => connection =>
                {
                    connection.Items[CloudItem] = cloud;
                    return next(connection);
                }));
            }

            foreach (var (host, socket) in options.MetadataSockets)
            {
                // Kestrel takes the descriptor over (and closes it); the Socket object must not close it too.
                var fd = (ulong)socket.SafeHandle.DangerousGetHandle();
                socket.SafeHandle.SetHandleAsInvalid();
                kestrel.ListenHandle(fd, listen => listen.Use(next => connection =>
                {
                    connection.Items[HostItem] = host;
                    return next(connection);
                }));
            }
        });
        var app = builder.Build();
        app.Run(async context =>
        {
            var items = context.Features.Get<IConnectionItemsFeature>()?.Items;
            if (items?.TryGetValue(HostItem, out var host) == true)
            {
                var answer = metadata[(string)host!].Handle(context.Request.Method, context.Request.Path.Value ?? "", h => context.Request.Headers.TryGetValue(h, out var v) ? v.ToString() : null);
                context.Response.StatusCode = answer.Status;
                context.Response.ContentType = answer.ContentType;
                await context.Response.WriteAsync(answer.Body, context.RequestAborted);
                return;
            }

            if (items?.TryGetValue(CloudItem, out var cloud) != true)
            {
                context.Response.StatusCode = 404;
                return;
            }

            Ec2Response response;
            if (context.Request.Method != "POST" && context.Request.Method != "GET")
            {
                response = Ec2QueryApi.Error(405, "InvalidHttpRequest", $"The HTTP method {context.Request.Method} is not valid for this web service.", Guid.NewGuid().ToString());
            }
            else
            {
                var form = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (key, value) in context.Request.Query)
                {
                    form[key] = value.ToString();
                }

                if (context.Request.HasFormContentType)
                {
                    foreach (var (key, value) in await context.Request.ReadFormAsync(context.RequestAborted))
                    {
                        form[key] = value.ToString();
                    }
                }

                response = await ec2[(string)cloud!].HandleAsync(form, context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, context.RequestAborted);
            }

            context.Response.StatusCode = response.Status;
            context.Response.ContentType = "text/xml;charset=UTF-8";
            await context.Response.WriteAsync(response.Xml, Encoding.UTF8, context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        var endpoints = ports.ToDictionary(p => p.Key, p => new Uri($"http://{options.Ec2Address}:{p.Value.ToString(CultureInfo.InvariantCulture)}/"), StringComparer.Ordinal);
        var server = new SpotLabServer(app, options, store, time, logger, ec2, metadata, endpoints);
        await store.UpdateAsync(
            s =>
            {
                foreach (var (cloud, endpoint) in endpoints)
                {
                    if (s.Clouds.TryGetValue(cloud, out var market))
                    {
                        market.Endpoint = endpoint.ToString();
                    }
                }

                return 0;
            },
            cancellationToken);
        var served = string.Join(", ", endpoints.Select(e => $"{e.Key}={e.Value}"));
        LogStarted(logger, served, metadata.Count);
        return server;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync();
        try
        {
            await _enforcer;
        }
        catch (OperationCanceledException)
        {
        }

        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _stop.Dispose();
    }

    // A notice's deadline is the instance's end: the host is torn down (agent and VMs stopped) and its instance terminated.
    private async Task EnforceAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(_options.EnforceInterval, _time, cancellationToken);
            try
            {
                var now = _time.GetUtcNow().UtcDateTime;
                var due = (_store.Read()?.Notices ?? []).Where(n => n.Value.Time is { } at && at <= now && n.Value.EnforcedTime is null).Select(n => n.Key).ToList();
                foreach (var host in due)
                {
                    if (_logger.IsEnabled(LogLevel.Warning))
                    {
                        LogDeadline(_logger, host);
                    }
                    if (_options.TearDown is { } tearDown)
                    {
                        await tearDown(host, cancellationToken);
                    }

                    await _store.UpdateAsync(
                        s =>
                        {
                            s.Notices[host].EnforcedTime = now;
                            foreach (var instance in s.Instances.Values.Where(i => i.Host == host))
                            {
                                instance.State = s.Notices[host].Action == "stop" ? "stopped" : "terminated";
                                instance.StateReason = "Server.SpotInstanceTermination";
                            }

                            return 0;
                        },
                        cancellationToken);
                }
            }
            catch (Exception e) when (e is IOException or Hosts.LabCommandException)
            {
                LogEnforceFailed(_logger, e.Message);
            }
        }
    }

    private static int FreePort(IPAddress address)
    {
        using var listener = new System.Net.Sockets.TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulated EC2 serving: {Endpoints}; instance metadata for {Hosts} hosts")]
    private static partial void LogStarted(ILogger logger, string endpoints, int hosts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spot interruption deadline of host {Host} reached: tearing it down")]
    private static partial void LogDeadline(ILogger logger, string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spot interruption deadlines could not be checked: {Reason}")]
    private static partial void LogEnforceFailed(ILogger logger, string reason);
}
