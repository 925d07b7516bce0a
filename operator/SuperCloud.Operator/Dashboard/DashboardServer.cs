using System.Reflection;
using System.Text;

namespace SuperCloud.Operator.Dashboard;

/// <summary>
/// Serves the read-only dashboard on its own listener (apart from /metrics): the page and its script and style, embedded
/// in the operator (nothing is fetched from the network), a JSON snapshot, and server-sent events that push a new
/// snapshot whenever the informer caches change.
/// </summary>
public sealed partial class DashboardServer(
    DashboardOptions options, DashboardSnapshot snapshot, DashboardChanges changes, CostHistory history, TimeProvider timeProvider,
    ILogger<DashboardServer> logger) : BackgroundService
{
    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["/"] = "index.html",
        ["/app.js"] = "app.js",
        ["/app.css"] = "app.css",
    };

    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(150);

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.ListenAddress!);
        await using var app = builder.Build();
        app.Use(async (context, next) =>
        {
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            await next(context);
        });
        foreach (var (path, asset) in Assets)
        {
            var bytes = Asset(asset);
            var type = Path.GetExtension(asset) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                _ => "text/css; charset=utf-8",
            };
            app.MapGet(path, () => Results.Bytes(bytes, type));
        }

        app.MapGet("/api/snapshot", () => Results.Text(snapshot.Build(timeProvider.GetUtcNow()).ToJsonString(), "application/json"));
        app.MapGet("/api/events", StreamAsync);
        using var sampler = new PeriodicTimer(options.SampleInterval, timeProvider);
        var sampling = Task.Run(
            async () =>
            {
                while (await sampler.WaitForNextTickAsync(stoppingToken))
                {
                    history.Sample(timeProvider.GetUtcNow());
                }
            },
            CancellationToken.None);
        LogServing(logger, options.ListenAddress!);
        try
        {
            await app.RunAsync(stoppingToken);
        }
        catch (IOException e)
        {
            // The dashboard is a view: a port in use must not take the controllers down with it.
            LogCannotServe(logger, options.ListenAddress!, e.Message);
        }
        finally
        {
            sampler.Dispose();
            await sampling.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    // text/event-stream: a snapshot at once, then one per change (changes within a moment coalesce), and a comment line
    // every few seconds so proxies keep the stream open.
    private async Task StreamAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        long sent = -1;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var (version, changed) = changes.Current();
                if (version != sent)
                {
                    var json = snapshot.Build(timeProvider.GetUtcNow()).ToJsonString();
                    await context.Response.WriteAsync($"event: snapshot\ndata: {json}\n\n", Encoding.UTF8, cancellationToken);
                    await context.Response.Body.FlushAsync(cancellationToken);
                    sent = version;
                }

                var keepAlive = Task.Delay(KeepAlive, timeProvider, cancellationToken);
                if (await Task.WhenAny(changed, keepAlive) == keepAlive)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await context.Response.Body.FlushAsync(cancellationToken);
                    continue;
                }

                await Task.Delay(Coalesce, timeProvider, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The page went away.
        }
    }

    private static byte[] Asset(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard/" + name)
            ?? throw new InvalidOperationException($"the dashboard asset {name} is not embedded in the operator");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dashboard cannot serve on {Address}: {Message}")]
    private static partial void LogCannotServe(ILogger logger, string address, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard serving on {Address}")]
    private static partial void LogServing(ILogger logger, string address);
}
