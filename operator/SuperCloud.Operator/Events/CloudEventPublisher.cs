using CloudNative.CloudEvents;

namespace SuperCloud.Operator.Events;

/// <summary>Fans each CloudEvent out to every configured sink's queue; never waits for a sink.</summary>
public sealed class CloudEventPublisher : IAsyncDisposable
{
    private readonly CloudEventSink[] _sinks;
    private readonly HttpClient _http;

    /// <summary>Starts one sender per sink in <paramref name="options"/>.</summary>
    public CloudEventPublisher(CloudEventsOptions options, CloudEventsMetrics metrics, TimeProvider timeProvider, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);

        // No connection pooling surprises: each sink's sender is sequential, so one connection per sink suffices.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = options.RequestTimeout })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var logger = loggers.CreateLogger<CloudEventSink>();
        _sinks = [.. options.SinkUris.Select(uri => new CloudEventSink(uri, _http, options, metrics, timeProvider, logger))];
    }

    /// <summary>True when at least one sink is configured.</summary>
    public bool Enabled => _sinks.Length > 0;

    /// <summary>Queues <paramref name="cloudEvent"/> for every sink.</summary>
    public void Publish(CloudEvent cloudEvent)
    {
        foreach (var sink in _sinks)
        {
            sink.Enqueue(cloudEvent);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var sink in _sinks)
        {
            await sink.DisposeAsync();
        }

        _http.Dispose();
    }
}
