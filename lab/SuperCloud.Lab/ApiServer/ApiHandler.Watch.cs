using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace SuperCloud.Lab.ApiServer;

/// <content>watch: a chunked stream of one JSON event per line, flushed after every event.</content>
internal sealed partial class ApiHandler
{
    private static readonly TimeSpan DefaultWatchTimeout = TimeSpan.FromMinutes(30);

    private async Task WatchAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var filter = new WatchFilter(request.Resource, request.Namespace, request.Labels, request.Fields, request.Flag("allowWatchBookmarks"));
        var rvText = request.Query("resourceVersion");
        long? from = null;
        if (!string.IsNullOrEmpty(rvText) && rvText != "0")
        {
            from = long.TryParse(rvText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw Errors.BadRequest($"invalid resource version: \"{rvText}\"");
        }

        var sendInitialEvents = request.Flag("sendInitialEvents");
        if (sendInitialEvents && request.Query("resourceVersionMatch") != "NotOlderThan")
        {
            throw Errors.BadRequest("sendInitialEvents: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan");
        }

        var timeout = DefaultWatchTimeout;
        if (request.Query("timeoutSeconds") is { Length: > 0 } t)
        {
            timeout = int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? (seconds == 0 ? DefaultWatchTimeout : TimeSpan.FromSeconds(seconds))
                : throw Errors.BadRequest($"timeoutSeconds: Invalid value: \"{t}\": must be a non-negative integer");
        }

        if (from is { } wanted && wanted > Store.PublishedResourceVersion)
        {
            await WaitForResourceVersionAsync(wanted, cancellationToken);
        }

        var wantsTable = ContentNegotiation.WantsTable(request.Accept);
        var response = request.Context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-cache, private";
        Watcher watcher;
        IReadOnlyList<WatchEvent> backlog;
        try
        {
            (watcher, backlog) = Store.Subscribe(filter, from, sendInitialEvents);
        }
        catch (WatchExpiredException e)
        {
            await response.StartAsync(cancellationToken);
            var status = StatusBody.Failure(new StatusException(410, "Expired", e.Message));
            await WriteLineAsync(request, new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString(Json.Options), cancellationToken);
            return;
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await response.StartAsync(cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            foreach (var e in backlog)
            {
                await WriteLineAsync(request, wantsTable ? EncodeTable(request, e) : Encode(request.Resource, e), timeoutSource.Token);
            }

            await foreach (var e in watcher.Events.ReadAllAsync(timeoutSource.Token))
            {
                await WriteLineAsync(request, wantsTable ? EncodeTable(request, e) : Encode(request.Resource, e), timeoutSource.Token);
            }
        }
        catch (OperationCanceledException) when (timeoutSource.IsCancellationRequested)
        {
            // Timeout or client gone: the stream simply ends, as kube's does.
        }
        catch (IOException)
        {
            // The client dropped the connection mid-write (Kestrel's ConnectionResetException is an IOException):
            // nobody is left to tell, so the watch ends quietly instead of surfacing as an unhandled request error.
        }
        finally
        {
            Store.Unsubscribe(watcher);
        }
    }

    /// <summary>How long a watch from a resourceVersion the server has not reached waits for it (kube's watch cache: 3 s).</summary>
    private static readonly TimeSpan FutureVersionWait = TimeSpan.FromSeconds(3);

    /// <summary>Waits for a resourceVersion the server has not reached yet; 504 "Too large resource version" as kube's watch cache answers.</summary>
    private async Task WaitForResourceVersionAsync(long wanted, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(FutureVersionWait);
        try
        {
            await Store.WaitPublishedAsync(wanted, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StatusException(504, "Timeout", $"Timeout: Too large resource version: {wanted}, current: {Store.PublishedResourceVersion}",
                [new StatusCause("ResourceVersionTooLarge", "Too large resource version", "")])
            {
                RetryAfterSeconds = 1,
            };
        }
    }

    private static async Task WriteLineAsync(ApiRequest request, string line, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        await request.Context.Response.Body.WriteAsync(bytes, cancellationToken);
        await request.Context.Response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>One watch line whose object is a one-row Table (<c>kubectl get -w</c>); bookmarks stay as they are.</summary>
    private string EncodeTable(ApiRequest request, WatchEvent e)
    {
        if (e.Type == "BOOKMARK")
        {
            return Encode(request.Resource, e);
        }

        var obj = AsServed(request.Resource, Json.Parse(e.ObjectJson)!.AsObject());
        var table = TryTable(request, [obj], Json.MetaStr(obj, "resourceVersion"), null)!;
        return new JsonObject { ["type"] = e.Type, ["object"] = table }.ToJsonString(Json.Options);
    }

    /// <summary>One watch line: <c>{"type":...,"object":...}</c> at the served version.</summary>
    private static string Encode(ApiResource resource, WatchEvent e)
    {
        string objectJson;
        if (e.Type == "BOOKMARK")
        {
            var bookmark = Json.Clone(e.Object);
            if (e.InitialEventsEnd)
            {
                Json.Metadata(bookmark)["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
            }

            objectJson = bookmark.ToJsonString(Json.Options);
        }
        else if (Json.Str(e.Object, "apiVersion") != resource.ApiVersion)
        {
            objectJson = AsServed(resource, Json.Parse(e.ObjectJson)!.AsObject()).ToJsonString(Json.Options);
        }
        else
        {
            objectJson = e.ObjectJson;
        }

        return $"{{\"type\":\"{e.Type}\",\"object\":{objectJson}}}";
    }
}
