namespace SuperCloud.NodeAgent.Interruption;

/// <summary>
/// Polls the instance metadata service every <see cref="InstanceMetadataOptions.PollInterval"/> for a spot interruption
/// notice or rebalance recommendation and records each change on this host's SuperNode (the operator then moves the
/// SuperPods off before the deadline). An unreachable service or a refused write is retried at the next poll.
/// </summary>
public sealed partial class InterruptionPoller(
    InstanceMetadataClient metadata, InterruptionNoticeWriter writer, InstanceMetadataOptions options, TimeProvider time, ILogger<InterruptionPoller> logger)
    : BackgroundService
{
    private SpotInterruption? _recorded;
    private bool _anyRecorded;

    /// <summary>Polls once: reads the metadata and writes the SuperNode if what it says changed. Returns what it read.</summary>
    public async Task<SpotInterruption?> PollOnceAsync(CancellationToken cancellationToken)
    {
        var current = await metadata.GetInterruptionAsync(cancellationToken);

        // Nothing to write while there never was a notice; afterwards every change, including its withdrawal.
        if (current == _recorded || (current is null && !_anyRecorded))
        {
            return current;
        }

        await writer.WriteAsync(current, cancellationToken);
        if (current is not null)
        {
            LogNotice(logger, current.Reason, current.Time);
        }
        else
        {
            LogWithdrawn(logger);
        }

        _recorded = current;
        _anyRecorded = true;
        return current;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, options.Endpoint, options.PollInterval);
        using var timer = new PeriodicTimer(options.PollInterval, time);
        do
        {
            try
            {
                await PollOnceAsync(stoppingToken);
            }
            catch (InstanceMetadataException e)
            {
                LogMetadataFailed(logger, e.Message);
            }
            catch (k8s.Autorest.HttpOperationException e)
            {
                LogWriteFailed(logger, $"HTTP {(int)e.Response.StatusCode}: {e.Response.Content}");
            }
            catch (HttpRequestException e)
            {
                LogWriteFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Polling instance metadata at {Endpoint} every {Interval} for spot interruption notices")]
    private static partial void LogStarted(ILogger logger, string endpoint, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spot interruption notice: {Reason} at {Time:o}; recorded on the SuperNode")]
    private static partial void LogNotice(ILogger logger, string reason, DateTime? time);

    [LoggerMessage(Level = LogLevel.Information, Message = "The instance metadata service withdrew its interruption notice")]
    private static partial void LogWithdrawn(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Instance metadata could not be read: {Reason}")]
    private static partial void LogMetadataFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The interruption notice could not be recorded on the SuperNode: {Reason}; retrying at the next poll")]
    private static partial void LogWriteFailed(ILogger logger, string reason);
}
