using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace SuperCloud.Operator.Runtime;

/// <summary>
/// Runs work only while this replica holds the coordination.k8s.io Lease (KubernetesClient's <see cref="LeaderElector"/>).
/// When the lease cannot be renewed within the renew deadline the work is cancelled and awaited before
/// <see cref="RunAsync"/> returns, so nothing is written after leadership is lost; a standby then takes over.
/// </summary>
public sealed class LeaderElection(IKubernetes client, LeaderElectionOptions options, OperatorMetrics metrics, ILogger<LeaderElection> logger)
{
    private volatile bool _isLeader;

    /// <summary>True while this replica leads.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>The holder last observed (this replica or another), or null before the first observation.</summary>
    public string? CurrentLeader { get; private set; }

    /// <summary>This replica's identity.</summary>
    public string Identity => options.Identity;

    /// <summary>
    /// Waits to acquire the lease, runs <paramref name="onLeading"/> while holding it, and returns once leadership
    /// ends and <paramref name="onLeading"/> has returned. Returns true when leadership was lost (the caller should exit
    /// so the process restarts as a standby), false when <paramref name="cancellationToken"/> ended the run.
    /// </summary>
    public async Task<bool> RunAsync(Func<CancellationToken, Task> onLeading, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onLeading);
        options.Validate();
        var (ns, lease, identity) = (options.Namespace, options.LeaseName, options.Identity);
        var leaseLock = new LeaseLock(client, options.Namespace, options.LeaseName, options.Identity);
        var config = new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        };
        using var elector = new LeaderElector(config);
        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? work = null;
        var led = false;
        var gauge = metrics.LeaderStatus.WithLabels(options.LeaseName);
        elector.OnStartedLeading += () =>
        {
            led = true;
            _isLeader = true;
            gauge.Set(1);
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("{Identity} became the leader of lease {Namespace}/{Lease}", identity, ns, lease);
            }
            work = Task.Run(() => onLeading(leading.Token), CancellationToken.None);
        };
        elector.OnStoppedLeading += () =>
        {
            // First thing on loss: stop the workers, before the elector does anything else.
            _isLeader = false;
            gauge.Set(0);
            leading.Cancel();
        };
        elector.OnNewLeader += leader =>
        {
            CurrentLeader = leader;
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("Lease {Namespace}/{Lease} is held by {Leader}", ns, lease, leader);
            }
        };
        elector.OnError += e => logger.LogWarning(e, "Leader election on {Namespace}/{Lease} failed an attempt", ns, lease);

        try
        {
            await elector.RunUntilLeadershipLostAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            _isLeader = false;
            gauge.Set(0);
            await leading.CancelAsync();
        }

        if (work is not null)
        {
            try
            {
                await work;
            }
            catch (OperationCanceledException)
            {
                // The work observed its cancellation.
            }
            catch (Exception e)
            {
                logger.LogError(e, "Leader work of {Identity} failed", identity);
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            if (led && options.ReleaseOnCancel)
            {
                await ReleaseAsync(leaseLock);
            }

            return false;
        }

        logger.LogWarning("{Identity} lost the lease {Namespace}/{Lease}; workers stopped", identity, ns, lease);
        return true;
    }

    private async Task ReleaseAsync(LeaseLock leaseLock)
    {
        var (ns, lease, identity) = (options.Namespace, options.LeaseName, options.Identity);
        // Bounded on its own: the caller's token is already cancelled, and shutdown must not hang on the API.
        using var timeout = new CancellationTokenSource(options.RetryPeriod);
        try
        {
            var record = await leaseLock.GetAsync(timeout.Token);
            if (record.HolderIdentity != options.Identity)
            {
                return;
            }

            // An empty holder is free to take at once; LeaderElector treats it as no leader.
            var released = new LeaderElectionRecord
            {
                HolderIdentity = string.Empty,
                LeaseDurationSeconds = 1,
                AcquireTime = record.AcquireTime,
                RenewTime = DateTime.UtcNow,
                LeaderTransitions = record.LeaderTransitions,
            };
            if (await leaseLock.UpdateAsync(released, timeout.Token))
            {
                if (logger.IsEnabled(LogLevel.Information))
                {
                    logger.LogInformation("{Identity} released lease {Namespace}/{Lease}", identity, ns, lease);
                }
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not release lease {Namespace}/{Lease}; a standby takes over when it expires", ns, lease);
        }
    }
}
