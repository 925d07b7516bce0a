namespace SuperCloud.Images;

/// <summary>How to reach registries: which are plain HTTP, which CAs to trust, credentials, timeouts.</summary>
public sealed class RegistryOptions
{
    /// <summary>Registries (host[:port]) reached over plain HTTP instead of HTTPS, such as a lab's; none by default.</summary>
    public IList<string> PlainHttp { get; init; } = [];

    /// <summary>A PEM file of CA certificates trusted for registries besides the system's, or null.</summary>
    public string? CaBundlePath { get; set; }

    /// <summary>Credentials by registry (host[:port]); registries not listed are used anonymously.</summary>
    public IDictionary<string, RegistryCredentials> Credentials { get; init; } = new Dictionary<string, RegistryCredentials>(StringComparer.Ordinal);

    /// <summary>How long a request may wait for the response's headers, and a body for its next bytes.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Blobs larger than this are uploaded in chunks of this size (PATCH), smaller ones in one request.</summary>
    public int UploadChunkBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Returns the problems in these options, each naming its setting under <paramref name="section"/>.</summary>
    public IReadOnlyList<string> Validate(string section)
    {
        var errors = new List<string>();
        if (CaBundlePath is { Length: > 0 } ca && !File.Exists(ca))
        {
            errors.Add($"{section}:CaBundlePath '{ca}' does not exist");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{section}:RequestTimeout must be positive, got {RequestTimeout}");
        }

        if (UploadChunkBytes < 1024)
        {
            errors.Add($"{section}:UploadChunkBytes must be at least 1024, got {UploadChunkBytes}");
        }

        foreach (var host in PlainHttp)
        {
            if (string.IsNullOrWhiteSpace(host) || host.Contains('/', StringComparison.Ordinal))
            {
                errors.Add($"{section}:PlainHttp entries must be host[:port], got '{host}'");
            }
        }

        return errors;
    }
}
