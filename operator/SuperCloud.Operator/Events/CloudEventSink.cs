using System.Threading.Channels;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;

namespace SuperCloud.Operator.Events;

/// <summary>
/// One HTTP sink: a bounded queue (the oldest event makes room when full) and one sender that delivers in order, in
/// binary content mode, retrying each event with exponential backoff. Enqueueing never waits, so a sink that is down
/// never slows the caller.
/// </summary>
public sealed partial class CloudEventSink : IAsyncDisposable
{
    private static readonly JsonEventFormatter Formatter = new();
    private readonly Channel<CloudEvent> _queue;
    private readonly Uri _uri;
    private readonly string _label;
    private readonly HttpClient _http;
    private readonly CloudEventsOptions _options;
    private readonly CloudEventsMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sender;

    /// <summary>Starts the sender of <paramref name="uri"/>.</summary>
    public CloudEventSink(Uri uri, HttpClient http, CloudEventsOptions options, CloudEventsMetrics metrics, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        _uri = uri;
        _label = uri.GetLeftPart(UriPartial.Path);
        _http = http;
        _options = options;
        _metrics = metrics;
        _time = timeProvider;
        _logger = logger;
        _queue = Channel.CreateBounded<CloudEvent>(
            new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped =>
            {
                metrics.Dropped.WithLabels(_label, "queue_full").Inc();
                LogDropped(logger, dropped.Type ?? "", dropped.Id ?? "", _label, "the queue is full");
            });
        _sender = Task.Run(() => SendLoopAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Queues <paramref name="cloudEvent"/>; returns at once.</summary>
    public void Enqueue(CloudEvent cloudEvent)
    {
        _queue.Writer.TryWrite(cloudEvent);
        _metrics.QueueDepth.WithLabels(_label).Set(_queue.Reader.Count);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await _sender;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        await foreach (var cloudEvent in _queue.Reader.ReadAllAsync(cancellationToken))
        {
            _metrics.QueueDepth.WithLabels(_label).Set(_queue.Reader.Count);
            var backoff = _options.InitialBackoff;
            for (var attempt = 1; ; attempt++)
            {
                var error = await TrySendAsync(cloudEvent, cancellationToken);
                if (error is null)
                {
                    _metrics.Sent.WithLabels(_label, cloudEvent.Type ?? "").Inc();
                    break;
                }

                _metrics.Failures.WithLabels(_label).Inc();
                if (attempt >= _options.MaxAttempts)
                {
                    _metrics.Dropped.WithLabels(_label, "undeliverable").Inc();
                    LogDropped(_logger, cloudEvent.Type ?? "", cloudEvent.Id ?? "", _label, $"{attempt} attempts failed, the last: {error}");
                    break;
                }

                // Full jitter keeps many operators from retrying a recovering sink in step.
                var wait = TimeSpan.FromTicks((long)(backoff.Ticks * (0.5 + (Random.Shared.NextDouble() / 2))));
                await Task.Delay(wait, _time, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }
    }

    private async Task<string?> TrySendAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var content = cloudEvent.ToHttpContent(ContentMode.Binary, Formatter);
            using var response = await _http.PostAsync(_uri, content, timeout.Token);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {_options.RequestTimeout}";
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CloudEvent {Type} {Id} for {Sink} dropped: {Why}")]
    private static partial void LogDropped(ILogger logger, string type, string id, string sink, string why);
}
