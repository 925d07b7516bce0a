namespace SuperCloud.Operator.Subresources;

/// <summary>
/// The aggregated API the operator serves (<c>subresources.supercloud.dev</c>: a SuperPod's console, pause and unpause)
/// behind the Kubernetes API server, which reaches it over TLS as its front proxy; off while <see cref="ListenAddress"/> is empty.
/// </summary>
public sealed class SubresourceApiSettings
{
    /// <summary>Where to serve, an https URL such as <c>https://0.0.0.0:8443</c>; empty: not served.</summary>
    public string? ListenAddress { get; set; }

    /// <summary>The serving certificate (PEM), which the APIService's caBundle must verify.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The serving certificate's key (PEM).</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// The CA of the API server's front-proxy client certificate (kube's <c>requestheader-client-ca-file</c>); only a
    /// request presenting a certificate it signed may say, in <c>X-Remote-User</c> and <c>X-Remote-Group</c>, who asks.
    /// </summary>
    public string? RequestHeaderCaPath { get; set; }

    /// <summary>Common names the front-proxy certificate may have (kube's <c>requestheader-allowed-names</c>), comma-separated; empty: any the CA signed.</summary>
    public string? RequestHeaderAllowedNames { get; set; }

    /// <summary>Whether the API is to be served.</summary>
    public bool Enabled => !string.IsNullOrEmpty(ListenAddress);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!Enabled)
        {
            return;
        }

        if (!Uri.TryCreate(ListenAddress, UriKind.Absolute, out var listen) || listen.Scheme != "https")
        {
            throw new ArgumentException($"Operator:SubresourceApi:ListenAddress must be an https URL like https://0.0.0.0:8443, not '{ListenAddress}'", nameof(ListenAddress));
        }

        foreach (var (name, value) in new[] { ("CertificatePath", CertificatePath), ("KeyPath", KeyPath), ("RequestHeaderCaPath", RequestHeaderCaPath) })
        {
            if (string.IsNullOrEmpty(value))
            {
                throw new ArgumentException($"Operator:SubresourceApi:{name} is required when Operator:SubresourceApi:ListenAddress is set", name);
            }

            if (!File.Exists(value))
            {
                throw new ArgumentException($"Operator:SubresourceApi:{name} file '{value}' does not exist", name);
            }
        }
    }

    /// <summary>The allowed common names, trimmed.</summary>
    public IReadOnlyList<string> AllowedNames() =>
        string.IsNullOrWhiteSpace(RequestHeaderAllowedNames) ? [] : [.. RequestHeaderAllowedNames.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
