namespace SuperCloud.E2E.Tests;

/// <summary>One CloudEvent as an HTTP sink received it in binary content mode.</summary>
/// <param name="Attributes">The ce-* headers, lower-case.</param>
/// <param name="ContentType">The Content-Type header (the event's datacontenttype).</param>
/// <param name="Body">The event's data.</param>
internal sealed record ReceivedEvent(IReadOnlyDictionary<string, string> Attributes, string ContentType, string Body)
{
    public string Type => Attributes.GetValueOrDefault("ce-type", "");

    public string Subject => Attributes.GetValueOrDefault("ce-subject", "");
}
