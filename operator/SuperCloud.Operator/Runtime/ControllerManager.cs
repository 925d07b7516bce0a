using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SuperCloud.Operator.Runtime;

/// <summary>
/// The hosted service that runs every informer at once (so a standby's caches are warm) and every controller only
/// while this replica leads; losing the lease stops the controllers and then the process, which restarts as a standby.
/// </summary>
public sealed class ControllerManager(
    IEnumerable<IInformer> informers,
    IEnumerable<IController> controllers,
    LeaderElection leaderElection,
    LeaderElectionOptions leaderElectionOptions,
    IHostApplicationLifetime lifetime,
    ILogger<ControllerManager> logger) : BackgroundService, IHealthCheck
{
    private readonly IInformer[] _informers = [.. informers];
    private readonly IController[] _controllers = [.. controllers];

    /// <summary>True once every informer has synced.</summary>
    public bool CachesSynced => _informers.All(i => i.HasSynced);

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var pending = _informers.Where(i => !i.HasSynced).Select(i => i.ResourceType.Plural).ToList();
        return Task.FromResult(pending.Count == 0
            ? HealthCheckResult.Healthy("caches synced")
            : HealthCheckResult.Unhealthy($"waiting for caches of {string.Join(", ", pending)}"));
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var informerTasks = _informers.Select(i => Task.Run(() => i.RunAsync(stoppingToken), CancellationToken.None)).ToArray();
        try
        {
            if (leaderElectionOptions.Enabled)
            {
                var lost = await leaderElection.RunAsync(RunControllersAsync, stoppingToken);
                if (lost)
                {
                    // Like controller-runtime: a replica that lost the lease exits and comes back as a standby.
                    Environment.ExitCode = 1;
                    lifetime.StopApplication();
                }
            }
            else
            {
                await RunControllersAsync(stoppingToken);
            }
        }
        finally
        {
            await Task.WhenAll(informerTasks);
        }
    }

    private async Task RunControllersAsync(CancellationToken cancellationToken)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Starting {Count} controllers", _controllers.Length);
        }

        await Task.WhenAll(_controllers.Select(c => Task.Run(() => RunControllerAsync(c, cancellationToken), CancellationToken.None)));
    }

    private async Task RunControllerAsync(IController controller, CancellationToken cancellationToken)
    {
        var name = controller.Name;
        try
        {
            await controller.RunAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A controller failing to start must not take the others down; stopping the process lets Kubernetes restart it.
            if (logger.IsEnabled(LogLevel.Critical))
            {
                logger.LogCritical(e, "Controller {Controller} failed; stopping the operator", name);
            }

            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }
}
