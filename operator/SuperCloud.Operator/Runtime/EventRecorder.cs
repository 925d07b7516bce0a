using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>
/// Records core/v1 Events about objects, aggregating repeats like client-go's recorder: the same type, reason and
/// message on the same object within <see cref="AggregationWindow"/> bumps count and lastTimestamp of one Event
/// instead of creating another. Recording is best effort and, like client-go's broadcaster, off the caller's path: an
/// event is queued and written by one background writer, so a reconcile never waits for it. Failures are logged, never
/// thrown; when more than <see cref="QueueCapacity"/> events wait, the oldest are dropped.
/// </summary>
public sealed class EventRecorder : IAsyncDisposable
{
    /// <summary>Events that may wait to be written before the oldest are dropped.</summary>
    public const int QueueCapacity = 1000;

    private const int MaxTracked = 4096;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _recent = [];
    private readonly ResourceClient<Corev1Event> _events;
    private readonly string _component;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<EventRecorder> _logger;
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;

    /// <summary>Creates the recorder and starts its writer.</summary>
    public EventRecorder(ResourceClient<Corev1Event> events, string component, TimeProvider timeProvider, ILogger<EventRecorder> logger)
    {
        _events = events;
        _component = component;
        _timeProvider = timeProvider;
        _logger = logger;
        _writer = Task.Run(WriteAllAsync);
    }

    /// <summary>How long a repeated event keeps folding into the same Event object.</summary>
    public TimeSpan AggregationWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The host reported in the Event's source (the pod name).</summary>
    public string? Host { get; init; }

    /// <summary>Records a Normal event.</summary>
    public Task NormalAsync(IKubernetesObject<V1ObjectMeta> involved, string reason, string message, CancellationToken cancellationToken) =>
        RecordAsync(involved, "Normal", reason, message, cancellationToken);

    /// <summary>Records a Warning event.</summary>
    public Task WarningAsync(IKubernetesObject<V1ObjectMeta> involved, string reason, string message, CancellationToken cancellationToken) =>
        RecordAsync(involved, "Warning", reason, message, cancellationToken);

    /// <summary>
    /// Queues an event of <paramref name="type"/> ("Normal" or "Warning") about <paramref name="involved"/>; the returned
    /// task completes once it is queued, not written. Bad arguments throw at once.
    /// </summary>
    public Task RecordAsync(
        IKubernetesObject<V1ObjectMeta> involved, string type, string reason, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(involved);
        if (type is not ("Normal" or "Warning"))
        {
            throw new ArgumentException($"event type must be Normal or Warning, not '{type}'", nameof(type));
        }

        ArgumentException.ThrowIfNullOrEmpty(reason);
        ArgumentNullException.ThrowIfNull(message);
        var meta = involved.Metadata ?? throw new ArgumentException("the involved object has no metadata", nameof(involved));

        // The object is copied now: the caller may change it (or the cache replace it) before the write.
        var reference = new V1ObjectReference
        {
            ApiVersion = involved.ApiVersion,
            Kind = involved.Kind,
            Name = meta.Name,
            NamespaceProperty = meta.NamespaceProperty,
            Uid = meta.Uid,
            ResourceVersion = meta.ResourceVersion,
        };
        _queue.Writer.TryWrite(new Pending(reference, type, reason, message, _timeProvider.GetUtcNow().UtcDateTime));
        return Task.CompletedTask;
    }

    /// <summary>Stops the writer; events still queued are dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await _writer;
        }
        catch (OperationCanceledException)
        {
            // Stopped while writing.
        }

        _stop.Dispose();
    }

    private async Task WriteAllAsync()
    {
        await foreach (var pending in _queue.Reader.ReadAllAsync(_stop.Token))
        {
            await WriteAsync(pending, _stop.Token);
        }
    }

    private async Task WriteAsync(Pending pending, CancellationToken cancellationToken)
    {
        var (involved, type, reason, message, now) = pending;
        var @namespace = string.IsNullOrEmpty(involved.NamespaceProperty) ? "default" : involved.NamespaceProperty;
        var aggregationKey = string.Join('\n', involved.Kind, involved.NamespaceProperty, involved.Name, involved.Uid, type, reason, message);

        Entry? previous;
        int count;
        lock (_lock)
        {
            previous = _recent.TryGetValue(aggregationKey, out var entry) && now - entry.LastSeen < AggregationWindow ? entry : null;
            count = (previous?.Count ?? 0) + 1;
        }

        try
        {
            if (previous is not null)
            {
                var patch = JsonSerializer.Serialize(new { count, lastTimestamp = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) });
                try
                {
                    await _events.PatchAsync(new ObjectKey(@namespace, previous.Name), patch, ResourceClient<Corev1Event>.MergePatch, null, cancellationToken);
                    Remember(aggregationKey, previous with { Count = count, LastSeen = now });
                    return;
                }
                catch (KubernetesApiException e) when (e.IsNotFound)
                {
                    // The Event expired on the server (its TTL is one hour): start a new one.
                    count = 1;
                }
            }

            var name = $"{involved.Name}.{now.Ticks:x}";
            await _events.CreateAsync(
                new Corev1Event
                {
                    ApiVersion = "v1",
                    Kind = "Event",
                    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace },
                    InvolvedObject = involved,
                    Type = type,
                    Reason = reason,
                    Message = message,
                    Count = count,
                    FirstTimestamp = now,
                    LastTimestamp = now,
                    Source = new V1EventSource { Component = _component, Host = Host },
                    ReportingComponent = _component,
                    ReportingInstance = Host ?? _component,
                },
                cancellationToken);
            Remember(aggregationKey, new Entry(name, count, now));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning(e, "Could not record event {Reason} on {Kind} {Namespace}/{Name}", reason, involved.Kind, involved.NamespaceProperty, involved.Name);
        }
    }

    private void Remember(string key, Entry entry)
    {
        lock (_lock)
        {
            if (_recent.Count >= MaxTracked)
            {
                // Forgetting only costs a new Event object instead of a count bump.
                var cutoff = entry.LastSeen - AggregationWindow;
                foreach (var stale in _recent.Where(p => p.Value.LastSeen < cutoff).Select(p => p.Key).ToList())
                {
                    _recent.Remove(stale);
                }

                if (_recent.Count >= MaxTracked)
                {
                    _recent.Clear();
                }
            }

            _recent[key] = entry;
        }
    }

    private sealed record Entry(string Name, int Count, DateTime LastSeen);

    private sealed record Pending(V1ObjectReference Involved, string Type, string Reason, string Message, DateTime Time);
}
