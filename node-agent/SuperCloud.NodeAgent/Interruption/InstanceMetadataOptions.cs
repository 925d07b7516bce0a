namespace SuperCloud.NodeAgent.Interruption;

/// <summary>The host's cloud instance metadata service, polled for spot interruption notices; bound from the <c>InstanceMetadata</c> section.</summary>
public sealed class InstanceMetadataOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "InstanceMetadata";

    /// <summary>Whether the agent polls the metadata service (on a cloud instance; the chart turns it on for aws).</summary>
    public bool Enabled { get; set; }

    /// <summary>The metadata service (EC2's IMDS); AWS_EC2_METADATA_SERVICE_ENDPOINT names another, as for the AWS SDKs.</summary>
    public string Endpoint { get; set; } = "http://169.254.169.254";

    /// <summary>How often the notice is asked for: EC2 posts it two minutes ahead and recommends polling every 5 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The IMDSv2 session token's lifetime (at most 6 h); a new one is taken before it ends.</summary>
    public TimeSpan TokenTtl { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How long one metadata request may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The problems in these options, each naming its option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors.Add($"InstanceMetadata:Endpoint must be an http(s) URL like http://169.254.169.254, got '{Endpoint}'");
        }

        if (PollInterval < TimeSpan.FromMilliseconds(100) || PollInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"InstanceMetadata:PollInterval must be between 100ms and 1m (EC2 gives two minutes' notice), got {PollInterval}");
        }

        if (TokenTtl < TimeSpan.FromMinutes(1) || TokenTtl > TimeSpan.FromHours(6))
        {
            errors.Add($"InstanceMetadata:TokenTtl must be between 1m and 6h, got {TokenTtl}");
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > TimeSpan.FromSeconds(30))
        {
            errors.Add($"InstanceMetadata:RequestTimeout must be positive and at most 30s, got {RequestTimeout}");
        }

        return errors;
    }
}
