namespace SuperCloud.Operator.Events;

/// <summary>Where and how the operator delivers its CloudEvents (section "Operator:CloudEvents").</summary>
public sealed class CloudEventsOptions
{
    /// <summary>HTTP(S) endpoints that receive every event (binary content mode); none means no events are published.</summary>
    public List<string> Sinks { get; set; } = [];

    /// <summary>Events waiting per sink; when full, the oldest is dropped and counted.</summary>
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>Delivery attempts per event before it is dropped and counted.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait after the first failed attempt; it doubles after each further one.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between attempts.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one delivery may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The sinks as URIs.</summary>
    public IReadOnlyList<Uri> SinkUris => [.. Sinks.Select(s => new Uri(s, UriKind.Absolute))];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first unusable setting.</summary>
    public void Validate()
    {
        for (var i = 0; i < Sinks.Count; i++)
        {
            if (!Uri.TryCreate(Sinks[i], UriKind.Absolute, out var sink) || sink.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"Operator:CloudEvents:Sinks:{i} must be an http(s) URL, not '{Sinks[i]}'", nameof(Sinks));
            }
        }

        if (QueueCapacity < 1)
        {
            throw new ArgumentException($"Operator:CloudEvents:QueueCapacity must be at least 1, not {QueueCapacity}", nameof(QueueCapacity));
        }

        if (MaxAttempts < 1)
        {
            throw new ArgumentException($"Operator:CloudEvents:MaxAttempts must be at least 1, not {MaxAttempts}", nameof(MaxAttempts));
        }

        if (InitialBackoff <= TimeSpan.Zero || MaxBackoff < InitialBackoff)
        {
            throw new ArgumentException($"Operator:CloudEvents:InitialBackoff must be positive and at most MaxBackoff, not {InitialBackoff} and {MaxBackoff}", nameof(InitialBackoff));
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Operator:CloudEvents:RequestTimeout must be positive, not {RequestTimeout}", nameof(RequestTimeout));
        }
    }
}
