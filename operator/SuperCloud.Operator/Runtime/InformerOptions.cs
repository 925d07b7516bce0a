namespace SuperCloud.Operator.Runtime;

/// <summary>What an informer watches and how it paces its requests.</summary>
public sealed record InformerOptions
{
    /// <summary>Watch one namespace only; null watches all namespaces (and cluster-scoped kinds).</summary>
    public string? Namespace { get; init; }

    /// <summary>A label selector restricting the watched objects.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector restricting the watched objects.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Objects per list page.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>The shortest server-side watch timeout; each watch uses a random value between this and twice this (client-go's 5 to 10 minutes).</summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// When set, every cached object is re-delivered to the handlers as an update (old and new the same) this often,
    /// like controller-runtime's SyncPeriod: a safety net for reconcilers whose external state drifts. Off by default.
    /// </summary>
    public TimeSpan? ResyncPeriod { get; init; }

    /// <summary>The first delay after a failed list or watch; doubles per consecutive failure.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(800);

    /// <summary>The longest delay between failed attempts.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}
