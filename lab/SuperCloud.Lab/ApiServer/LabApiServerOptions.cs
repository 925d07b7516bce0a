namespace SuperCloud.Lab.ApiServer;

/// <summary>Settings of a <see cref="LabApiServer"/>.</summary>
public sealed record LabApiServerOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free ephemeral port.</summary>
    public int Port { get; init; }

    /// <summary>
    /// Addresses the server also listens on, beside 127.0.0.1 (on the same port when <see cref="Port"/> is set, else each on a
    /// free port of its own): a lab's management address that hosts in other network namespaces reach.
    /// </summary>
    public IReadOnlyList<System.Net.IPAddress> AdditionalAddresses { get; init; } = [];

    /// <summary>
    /// The TLS listener (client certificates and tokens are authenticated, requests without credentials are anonymous);
    /// null serves plain HTTP only. Plain HTTP authenticates tokens too, and treats a request without credentials as the
    /// administrator: it is the lab's insecure port, bound where only the lab's own users reach it.
    /// </summary>
    public LabApiServerTls? Tls { get; init; }

    /// <summary>TCP port of the TLS listener on 127.0.0.1 (and the additional addresses); 0 picks a free port.</summary>
    public int SecurePort { get; init; }

    /// <summary>Directory for the store log (and the kubeconfig the CLI writes); null keeps everything in memory.</summary>
    public string? DataDir { get; init; }

    /// <summary>How many events the watch history keeps for resuming watches.</summary>
    public int WatchHistory { get; init; } = 10_000;

    /// <summary>Events a watcher may have queued before it is closed as too slow.</summary>
    public int WatcherQueueCapacity { get; init; } = 1_000;

    /// <summary>How often BOOKMARK events go to watches that allow them.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The store log starts a new checkpoint when the changes written since the last one exceed this many bytes and
    /// twice the checkpoint's size.
    /// </summary>
    public long StoreCompactionBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Clock for timestamps; the system clock by default.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The front-proxy client certificate (with its key) presented to aggregated API servers (kube's
    /// <c>--proxy-client-cert-file</c>); without it APIServices are proxied without a client certificate.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? FrontProxyClientCertificate { get; init; }

    /// <summary>Logger factory; nothing is logged when null.</summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }
}
