using SuperCloud.Operator;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Migrations;

WebApplication app;
try
{
    app = OperatorHost.Build(args, (services, options) => services.AddSuperCloudControllers(
        nodeHealth: new NodeHealthOptions { LostNodeGracePeriod = options.LostNodeGracePeriod },
        superPods: SuperPods(options),
        migrations: new MigrationControllerOptions
        {
            MaxParallelMigrations = options.MaxParallelMigrations,
            MaxOutboundPerNode = options.MaxOutboundMigrationsPerNode,
        }));
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

// Without an agent identity the operator still schedules; it runs SuperPods only when it can call the agents.
static SuperPodControllerOptions? SuperPods(OperatorOptions options) =>
    options.AgentClient.Configured
        ? new SuperPodControllerOptions
        {
            AgentClient = AgentClientOptions.FromPemFiles(
                options.AgentClient.CaPath!, options.AgentClient.CertificatePath!, options.AgentClient.KeyPath!, options.AgentClient.ReloadInterval, TimeProvider.System,
                e => Console.Error.WriteLine($"supercloud-operator: keeping the current agent client certificate: the changed files cannot be used: {e.Message}")),

            // The overlay's address books live beside the leader-election Lease, in the operator's own namespace.
            SystemNamespace = options.LeaderElection.Namespace,
        }
        : null;
