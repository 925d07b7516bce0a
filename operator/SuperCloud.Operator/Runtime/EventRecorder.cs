using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace SuperCloud.Operator.Runtime;

/// <summary>
/// Records core/v1 Events about objects, aggregating repeats like client-go's recorder: the same type, reason and
/// message on the same object within <see cref="AggregationWindow"/> bumps count and lastTimestamp of one Event
/// instead of creating another. Recording is best effort: failures are logged, never thrown.
/// </summary>
public sealed class EventRecorder(ResourceClient<Corev1Event> events, string component, TimeProvider timeProvider, ILogger<EventRecorder> logger)
{
    private const int MaxTracked = 4096;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _recent = [];

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

    /// <summary>Records an event of <paramref name="type"/> ("Normal" or "Warning") about <paramref name="involved"/>.</summary>
    public async Task RecordAsync(
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
        var @namespace = string.IsNullOrEmpty(meta.NamespaceProperty) ? "default" : meta.NamespaceProperty;
        var aggregationKey = string.Join('\n', involved.Kind, meta.NamespaceProperty, meta.Name, meta.Uid, type, reason, message);
        var now = timeProvider.GetUtcNow().UtcDateTime;

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
                    await events.PatchAsync(new ObjectKey(@namespace, previous.Name), patch, ResourceClient<Corev1Event>.MergePatch, null, cancellationToken);
                    Remember(aggregationKey, previous with { Count = count, LastSeen = now });
                    return;
                }
                catch (KubernetesApiException e) when (e.IsNotFound)
                {
                    // The Event expired on the server (its TTL is one hour): start a new one.
                    count = 1;
                }
            }

            var name = $"{meta.Name}.{now.Ticks:x}";
            await events.CreateAsync(
                new Corev1Event
                {
                    ApiVersion = "v1",
                    Kind = "Event",
                    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace },
                    InvolvedObject = new V1ObjectReference
                    {
                        ApiVersion = involved.ApiVersion,
                        Kind = involved.Kind,
                        Name = meta.Name,
                        NamespaceProperty = meta.NamespaceProperty,
                        Uid = meta.Uid,
                        ResourceVersion = meta.ResourceVersion,
                    },
                    Type = type,
                    Reason = reason,
                    Message = message,
                    Count = count,
                    FirstTimestamp = now,
                    LastTimestamp = now,
                    Source = new V1EventSource { Component = component, Host = Host },
                    ReportingComponent = component,
                    ReportingInstance = Host ?? component,
                },
                cancellationToken);
            Remember(aggregationKey, new Entry(name, count, now));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Could not record event {Reason} on {Kind} {Namespace}/{Name}", reason, involved.Kind, meta.NamespaceProperty, meta.Name);
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
}
