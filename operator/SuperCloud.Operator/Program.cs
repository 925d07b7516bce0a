using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Operator;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Certificates;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Cost;
using SuperCloud.Operator.Dashboard;
using SuperCloud.Operator.Events;
using SuperCloud.Operator.Migrations;

WebApplication app;
try
{
    app = OperatorHost.Build(args, (services, options) =>
    {
        var signer = Signer(options);
        if (signer is not null)
        {
            services.AddNodeCertificateSigner(signer);
        }

        services.AddSuperCloudControllers(
            nodeHealth: new NodeHealthOptions { LostNodeGracePeriod = options.LostNodeGracePeriod },
            superPods: SuperPods(options, signer),
            migrations: new MigrationControllerOptions
            {
                MaxParallelMigrations = options.MaxParallelMigrations,
                MaxOutboundPerNode = options.MaxOutboundMigrationsPerNode,
            },
            priceFeed: PriceFeed(options));
        services.AddCostAccounting(options.Cost);
        services.AddCloudEvents(options.CloudEvents);
        services.AddDashboard(options.Dashboard);
    });
}
catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
{
    // Bad flags, environment or config file: one clear line, no stack trace.
    await Console.Error.WriteLineAsync($"supercloud-operator: {e.Message}");
    return 2;
}

await using (app)
{
    await app.RunAsync();
}

return Environment.ExitCode;

// Credential Secrets without a namespace are read from the operator's own, where its leader-election Lease lives.
static SuperCloud.Operator.Providers.HostPoolProviderOptions PriceFeed(OperatorOptions options)
{
    var feed = options.PriceFeed;
    feed.Namespace = Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } own ? own : options.LeaderElection.Namespace;
    return feed;
}

static NodeCertificateSignerOptions? Signer(OperatorOptions options) =>
    options.Signer.Configured
        ? new NodeCertificateSignerOptions
        {
            Ca = CertificateAuthority.FromPemFiles(options.Signer.CaPath!, options.Signer.KeyPath!, TimeProvider.System),
            NodeAgentUser = options.Signer.NodeAgentUser,
            MaxLifetime = options.Signer.MaxLifetime,
        }
        : null;

// Without an agent identity the operator still schedules; it runs SuperPods only when it can call the agents: with its
// client certificate's files, or — holding the CA key — with a short-lived certificate it issues itself.
static SuperPodControllerOptions? SuperPods(OperatorOptions options, NodeCertificateSignerOptions? signer)
{
    if (options.AgentClient.Configured)
    {
        return new SuperPodControllerOptions
        {
            AgentClient = AgentClientOptions.FromPemFiles(
                options.AgentClient.CaPath!, options.AgentClient.CertificatePath!, options.AgentClient.KeyPath!, options.AgentClient.ReloadInterval, TimeProvider.System,
                e => Console.Error.WriteLine($"supercloud-operator: keeping the current agent client certificate: the changed files cannot be used: {e.Message}")),
            DefaultRegistry = DefaultRegistry(options),
            Registry = options.Images.ToRegistryOptions(),

            // The overlay's address books live beside the leader-election Lease, in the operator's own namespace.
            SystemNamespace = options.LeaderElection.Namespace,
        };
    }

    if (signer is not null)
    {
        var ca = signer.Ca;
        return new SuperPodControllerOptions
        {
            AgentClient = new AgentClientOptions
            {
                Credentials = TlsCredentials.SelfRenewing(() => ca.IssueClient(PeerIdentity.Operator, TimeSpan.FromDays(1)), [ca.Certificate], TimeSpan.FromHours(8), TimeProvider.System),
            },
            DefaultRegistry = DefaultRegistry(options),
            Registry = options.Images.ToRegistryOptions(),
            SystemNamespace = options.LeaderElection.Namespace,
        };
    }

    return null;
}

static string? DefaultRegistry(OperatorOptions options) =>
    string.IsNullOrEmpty(options.Images.DefaultRegistry) ? null : options.Images.DefaultRegistry;
