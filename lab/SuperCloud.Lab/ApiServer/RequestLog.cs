namespace SuperCloud.Lab.ApiServer;

/// <summary>
/// The most recent requests the server handled, oldest first (a bounded, thread-safe audit log): tests assert
/// from it who wrote what and when, e.g. that two operator replicas never wrote at the same time.
/// </summary>
public sealed class RequestLog
{
    /// <summary>How many requests are kept; older ones are dropped first.</summary>
    public const int Capacity = 100_000;

    private readonly Lock _gate = new();
    private readonly Queue<Entry> _entries = new();
    private readonly TimeProvider _time;

    internal RequestLog(TimeProvider time) => _time = time;

    /// <summary>A snapshot of the logged requests in the order they completed.</summary>
    public IReadOnlyList<Entry> Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries];
        }
    }

    /// <summary>Forgets every logged request.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
        }
    }

    /// <summary>The middleware that times a request and logs it once the response is complete (for a watch: when the stream ends).</summary>
    internal async Task RecordAsync(HttpContext context, RequestDelegate next)
    {
        var started = _time.GetUtcNow();
        try
        {
            await next(context);
        }
        finally
        {
            var request = context.Request;
            var entry = new Entry(
                request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? string.Empty,
                request.Headers.UserAgent.ToString(), context.Response.StatusCode, started, _time.GetUtcNow());
            lock (_gate)
            {
                if (_entries.Count == Capacity)
                {
                    _entries.Dequeue();
                }

                _entries.Enqueue(entry);
            }
        }
    }

    /// <summary>One handled request.</summary>
    /// <param name="Method">The HTTP method (GET, POST, PUT, PATCH, DELETE).</param>
    /// <param name="Path">The request path.</param>
    /// <param name="Query">The query string including its leading '?', or empty.</param>
    /// <param name="UserAgent">The User-Agent header, or empty.</param>
    /// <param name="Status">The response status code.</param>
    /// <param name="Started">When the server began handling the request.</param>
    /// <param name="Ended">When the response was complete.</param>
    public sealed record Entry(string Method, string Path, string Query, string UserAgent, int Status, DateTimeOffset Started, DateTimeOffset Ended)
    {
        /// <summary>True for requests that change state (anything but GET, HEAD and OPTIONS).</summary>
        public bool IsWrite => Method is not ("GET" or "HEAD" or "OPTIONS");
    }
}
