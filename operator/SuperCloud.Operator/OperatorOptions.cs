using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator;

/// <summary>The operator process's settings (section "Operator"), from flags, SUPERCLOUD_ environment variables or a JSON file.</summary>
public sealed class OperatorOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Operator";

    /// <summary>Path of a kubeconfig; empty means in-cluster config when running in a pod, else the default kubeconfig.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>The kubeconfig context to use; empty means the current context.</summary>
    public string? Context { get; set; }

    /// <summary>Where /metrics, /healthz and /readyz are served.</summary>
    public string ListenAddress { get; set; } = "http://0.0.0.0:8080";

    /// <summary>Restrict informers to one namespace; empty watches all namespaces.</summary>
    public string? WatchNamespace { get; set; }

    /// <summary>Workers per controller.</summary>
    public int Workers { get; set; } = 2;

    /// <summary>Leader election settings.</summary>
    public LeaderElectionSettings LeaderElection { get; set; } = new();

    /// <summary>The operator's mutual-TLS identity towards node agents; without it SuperPods are scheduled but not run.</summary>
    public AgentClientSettings AgentClient { get; set; } = new();

    /// <summary>
    /// The cluster CA (certificate and key) with which the operator signs node agents' certificate requests; it then also
    /// issues its own client certificate when <see cref="AgentClient"/> names no files.
    /// </summary>
    public SignerSettings Signer { get; set; } = new();

    /// <summary>Where SuperPod images come from: the default registry, plain-HTTP registries, extra CAs.</summary>
    public ImageSettings Images { get; set; } = new();

    /// <summary>The aggregated API of SuperPod subresources (console, pause, unpause); off unless its address is set.</summary>
    public Subresources.SubresourceApiSettings SubresourceApi { get; set; } = new();

    /// <summary>Crash points for resilience tests (<c>migration.before=Transferring</c>); see <see cref="Runtime.Failpoints"/>. Empty: none.</summary>
    public string? Failpoints { get; set; }

    /// <summary>Migrations that may run at once in the whole cluster (KubeVirt's parallelMigrationsPerCluster).</summary>
    public int MaxParallelMigrations { get; set; } = 5;

    /// <summary>Migrations that may leave one node at once (KubeVirt's parallelOutboundMigrationsPerNode).</summary>
    public int MaxOutboundMigrationsPerNode { get; set; } = 2;

    /// <summary>How long a SuperNode stays NotReady before its SuperPods are treated as lost (a lab shortens it to seconds).</summary>
    public TimeSpan LostNodeGracePeriod { get; set; } = new Controllers.NodeHealthOptions().LostNodeGracePeriod;

    /// <summary>Cost accounting: how often status.cost is written.</summary>
    public Cost.CostOptions Cost { get; set; } = new();

    /// <summary>CloudEvents sinks of SuperPod lifecycle and migration events.</summary>
    public Events.CloudEventsOptions CloudEvents { get; set; } = new();

    /// <summary>The read-only dashboard; served only when its listen address is set.</summary>
    public Dashboard.DashboardOptions Dashboard { get; set; } = new();

    /// <summary>How often the clouds' prices are read, and how the provider SDKs retry (section Operator:PriceFeed).</summary>
    public Providers.HostPoolProviderOptions PriceFeed { get; set; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!Uri.TryCreate(ListenAddress, UriKind.Absolute, out var listen) || listen.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"Operator:ListenAddress must be an http(s) URL like http://0.0.0.0:8080, not '{ListenAddress}'", nameof(ListenAddress));
        }

        SubresourceApi.Validate();
        if (MaxParallelMigrations < 1)
        {
            throw new ArgumentException($"Operator:MaxParallelMigrations must be at least 1, not {MaxParallelMigrations}", nameof(MaxParallelMigrations));
        }

        if (MaxOutboundMigrationsPerNode < 1)
        {
            throw new ArgumentException($"Operator:MaxOutboundMigrationsPerNode must be at least 1, not {MaxOutboundMigrationsPerNode}", nameof(MaxOutboundMigrationsPerNode));
        }

        if (Workers < 1)
        {
            throw new ArgumentException($"Operator:Workers must be at least 1, not {Workers}", nameof(Workers));
        }

        if (!string.IsNullOrEmpty(Kubeconfig) && !File.Exists(Kubeconfig))
        {
            throw new ArgumentException($"Operator:Kubeconfig '{Kubeconfig}' does not exist", nameof(Kubeconfig));
        }

        if (LostNodeGracePeriod < TimeSpan.Zero)
        {
            throw new ArgumentException($"Operator:LostNodeGracePeriod must not be negative, not {LostNodeGracePeriod}", nameof(LostNodeGracePeriod));
        }

        LeaderElection.ToOptions().Validate();
        Cost.Validate();
        CloudEvents.Validate();
        Dashboard.Validate();
        PriceFeed.Validate();
        AgentClient.Validate();
        Signer.Validate();
        Images.Validate();
    }

    /// <summary>PEM files of the CA that signs node agents' certificates, and whose requests it signs.</summary>
    public sealed class SignerSettings
    {
        /// <summary>The CA certificate (a kubernetes.io/tls Secret's tls.crt).</summary>
        public string? CaPath { get; set; }

        /// <summary>The CA's private key (tls.key).</summary>
        public string? KeyPath { get; set; }

        /// <summary>The only requester whose CSRs are signed: the node agents' ServiceAccount.</summary>
        public string NodeAgentUser { get; set; } = "system:serviceaccount:supercloud-system:supercloud-node-agent";

        /// <summary>The longest certificate lifetime issued.</summary>
        public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromDays(30);

        /// <summary>True when both files are configured.</summary>
        public bool Configured => !string.IsNullOrEmpty(CaPath) && !string.IsNullOrEmpty(KeyPath);

        /// <summary>Throws <see cref="ArgumentException"/> when only one file is set, one does not exist, or the lifetime is unusable.</summary>
        public void Validate()
        {
            if (string.IsNullOrEmpty(CaPath) && string.IsNullOrEmpty(KeyPath))
            {
                return;
            }

            foreach (var (name, path) in new[] { ("CaPath", CaPath), ("KeyPath", KeyPath) })
            {
                if (string.IsNullOrEmpty(path))
                {
                    throw new ArgumentException($"Operator:Signer:{name} is required when the other signer file is set", name);
                }

                if (!File.Exists(path))
                {
                    throw new ArgumentException($"Operator:Signer:{name} '{path}' does not exist", name);
                }
            }

            if (MaxLifetime < TimeSpan.FromHours(1))
            {
                throw new ArgumentException($"Operator:Signer:MaxLifetime must be at least 1h, not {MaxLifetime}", nameof(MaxLifetime));
            }
        }
    }

    /// <summary>Registry settings for resolving SuperPod images.</summary>
    public sealed class ImageSettings
    {
        /// <summary>host[:port] of the registry that serves image names without one (<c>supercloud/test-guest:latest</c>); none by default.</summary>
        public string? DefaultRegistry { get; set; }

        /// <summary>Comma-separated registries (host[:port]) reached over plain HTTP, such as a lab's; none by default.</summary>
        public string? PlainHttpRegistries { get; set; }

        /// <summary>A PEM file of CAs trusted for registries besides the system's.</summary>
        public string? CaBundlePath { get; set; }

        /// <summary>The registry client's settings.</summary>
        public SuperCloud.Images.RegistryOptions ToRegistryOptions() => new()
        {
            PlainHttp = (PlainHttpRegistries ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
            CaBundlePath = string.IsNullOrEmpty(CaBundlePath) ? null : CaBundlePath,
        };

        /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
        public void Validate()
        {
            if (DefaultRegistry is { Length: > 0 } registry && (registry.Contains('/', StringComparison.Ordinal) || registry.Contains(' ', StringComparison.Ordinal)))
            {
                throw new ArgumentException($"Operator:Images:DefaultRegistry must be host[:port], not '{registry}'", nameof(DefaultRegistry));
            }

            if (ToRegistryOptions().Validate("Operator:Images") is [var first, ..])
            {
                throw new ArgumentException(first, nameof(PlainHttpRegistries));
            }
        }
    }

    /// <summary>PEM files of the cluster CA and the operator's client certificate for calling node agents.</summary>
    public sealed class AgentClientSettings
    {
        /// <summary>The cluster CAs that sign agent certificates (a PEM bundle; both CAs during a rotation).</summary>
        public string? CaPath { get; set; }

        /// <summary>The operator's client certificate (identity supercloud://operator).</summary>
        public string? CertificatePath { get; set; }

        /// <summary>The client certificate's private key.</summary>
        public string? KeyPath { get; set; }

        /// <summary>How often the files are checked for changes (renewal, CA rotation); zero never.</summary>
        public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>True when all three files are configured.</summary>
        public bool Configured => !string.IsNullOrEmpty(CaPath) && !string.IsNullOrEmpty(CertificatePath) && !string.IsNullOrEmpty(KeyPath);

        /// <summary>Throws <see cref="ArgumentException"/> when only some files are set or one does not exist.</summary>
        public void Validate()
        {
            string?[] paths = [CaPath, CertificatePath, KeyPath];
            if (paths.All(string.IsNullOrEmpty))
            {
                return;
            }

            foreach (var (name, path) in new[] { ("CaPath", CaPath), ("CertificatePath", CertificatePath), ("KeyPath", KeyPath) })
            {
                if (string.IsNullOrEmpty(path))
                {
                    throw new ArgumentException($"Operator:AgentClient:{name} is required when any agent client file is set", name);
                }

                if (!File.Exists(path))
                {
                    throw new ArgumentException($"Operator:AgentClient:{name} '{path}' does not exist", name);
                }
            }
        }
    }

    /// <summary>Leader election settings in configuration-friendly form.</summary>
    public sealed class LeaderElectionSettings
    {
        /// <summary>Whether to elect a leader.</summary>
        public bool Enabled { get; set; } = true;

        /// <summary>The Lease's namespace.</summary>
        public string Namespace { get; set; } = "supercloud-system";

        /// <summary>The Lease's name.</summary>
        public string LeaseName { get; set; } = "supercloud-operator";

        /// <summary>This replica's identity; defaults to the POD_NAME environment variable, else the host name plus a random suffix.</summary>
        public string? Identity { get; set; }

        /// <summary>Lease validity in seconds.</summary>
        public int LeaseDurationSeconds { get; set; } = 15;

        /// <summary>How long the leader tries to renew before giving up, in seconds.</summary>
        public double RenewDeadlineSeconds { get; set; } = 10;

        /// <summary>Interval between attempts, in seconds.</summary>
        public double RetryPeriodSeconds { get; set; } = 2;

        /// <summary>Converts to the runtime's options.</summary>
        public LeaderElectionOptions ToOptions()
        {
            var defaults = new LeaderElectionOptions();
            return new LeaderElectionOptions
            {
                Enabled = Enabled,
                Namespace = Namespace,
                LeaseName = LeaseName,
                Identity = string.IsNullOrEmpty(Identity) ? Environment.GetEnvironmentVariable("POD_NAME") ?? defaults.Identity : Identity,
                LeaseDuration = TimeSpan.FromSeconds(LeaseDurationSeconds),
                RenewDeadline = TimeSpan.FromSeconds(RenewDeadlineSeconds),
                RetryPeriod = TimeSpan.FromSeconds(RetryPeriodSeconds),
            };
        }
    }
}
