using System.Net;
using k8s.Autorest;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.NodeAgent.Registration;

/// <summary>
/// Registers this host as a SuperNode and keeps it alive: renews the Lease every <see cref="NodeRegistrationOptions.RenewInterval"/>,
/// writes the status when the host report changes or every <see cref="NodeRegistrationOptions.StatusReportInterval"/>,
/// backs off on API errors (never stopping the agent), and marks the node NotReady (<c>AgentStopped</c>) on graceful shutdown.
/// </summary>
/// <param name="registrar">Writes the SuperNode.</param>
/// <param name="lease">Renews the Lease.</param>
/// <param name="reader">Reads the host report.</param>
/// <param name="agent">The node name.</param>
/// <param name="options">Intervals.</param>
/// <param name="timeProvider">The clock for intervals and backoff.</param>
/// <param name="logger">Where failures are logged.</param>
public sealed partial class NodeRegistrationService(
    SuperNodeRegistrar registrar,
    NodeLease lease,
    HostReportReader reader,
    NodeAgentOptions agent,
    NodeRegistrationOptions options,
    TimeProvider timeProvider,
    ILogger<NodeRegistrationService> logger) : BackgroundService
{
    private static readonly TimeSpan InitialRetryDelay = TimeSpan.FromMilliseconds(200);

    private SuperNode? _node;
    private HostReport? _reported;
    private DateTimeOffset _reportedAt;
    private TimeSpan _retryDelay = InitialRetryDelay;
    private bool _leaseSeen;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var ok = await StepAsync(stoppingToken);
            TimeSpan delay;
            if (ok)
            {
                _retryDelay = InitialRetryDelay;
                delay = options.RenewInterval;
            }
            else
            {
                delay = _retryDelay;
                _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, Math.Min(options.MaxRetryDelay.Ticks, options.RenewInterval.Ticks)));
            }

            try
            {
                await Task.Delay(delay, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_node is null || _reported is null)
        {
            return;
        }

        try
        {
            _node = await registrar.ApplyStatusAsync(_node, _reported.Stopped(), cancellationToken);
            LogStopped(logger, agent.NodeName);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Shutdown must go on whatever the API says; the Lease expiring tells the operator the same thing, only later.
            LogStopFailed(logger, e, agent.NodeName, Describe(e));
        }
    }

    /// <summary>One round: register if needed, renew the Lease, write the status if due. False when any API call failed.</summary>
    private async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        try
        {
            var node = _node;
            if (node is null)
            {
                node = _node = await registrar.ApplySpecAsync(cancellationToken);
                _reported = null;
                LogRegistered(logger, agent.NodeName, node.Spec.Cluster);
            }

            var ok = true;
            try
            {
                var created = await lease.RenewAsync(node, cancellationToken);
                if (created && _leaseSeen)
                {
                    // The Lease the agent kept renewing is gone: the garbage collector removes it with its SuperNode.
                    // Registering again costs one idempotent apply; the next renewal points the Lease at the new uid.
                    LogLeaseGone(logger, agent.NodeName);
                    _node = null;
                    return false;
                }

                _leaseSeen = true;
            }
            catch (Exception e) when (IsApiFailure(e, cancellationToken))
            {
                // The status is still written: a Lease problem must not also hide a capacity change.
                LogLeaseFailed(logger, e, agent.NodeName, Describe(e));
                ok = false;
            }

            var report = await reader.ReadAsync(cancellationToken);
            var now = timeProvider.GetUtcNow();
            if (report != _reported || now - _reportedAt >= options.StatusReportInterval)
            {
                _node = await registrar.ApplyStatusAsync(node, report, cancellationToken);
                _reported = report;
                _reportedAt = now;
            }

            return ok;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound && !cancellationToken.IsCancellationRequested)
        {
            // The SuperNode was deleted under us (its Lease goes with it): register again, like kubelet does.
            LogNodeGone(logger, agent.NodeName);
            _node = null;
            return false;
        }
        catch (Exception e) when (IsApiFailure(e, cancellationToken))
        {
            LogApiFailed(logger, e, agent.NodeName, Describe(e));
            return false;
        }
    }

    // Anything but the agent stopping is retried: a crash loop would take the VM API down with the registration.
    private static bool IsApiFailure(Exception e, CancellationToken cancellationToken) =>
        !(e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    // The client's exception message only names the status code; the API server's Status body says what was wrong.
    private static string Describe(Exception e) => e is HttpOperationException { Response: { } response }
        ? $"{(int)response.StatusCode} {response.Content}"
        : e.Message;

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered SuperNode {Node} in cluster {Cluster}")]
    private static partial void LogRegistered(ILogger logger, string node, string cluster);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the Lease of SuperNode {Node} failed: {Error}; retrying")]
    private static partial void LogLeaseFailed(ILogger logger, Exception exception, string node, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering or reporting SuperNode {Node} failed: {Error}; retrying")]
    private static partial void LogApiFailed(ILogger logger, Exception exception, string node, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SuperNode {Node} was deleted; registering it again")]
    private static partial void LogNodeGone(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Lease of SuperNode {Node} disappeared; checking the SuperNode by registering it again")]
    private static partial void LogLeaseGone(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Information, Message = "Marked SuperNode {Node} NotReady: agent stopped")]
    private static partial void LogStopped(ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mark SuperNode {Node} NotReady on shutdown: {Error}")]
    private static partial void LogStopFailed(ILogger logger, Exception exception, string node, string error);
}
