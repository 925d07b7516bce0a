namespace SuperCloud.NodeAgent.Security;

/// <summary>Renews the agent's certificates through the CSR flow before they expire; the TLS credentials pick the new files up.</summary>
public sealed partial class CertificateRenewalService(CertificateRequester requester, TimeProvider timeProvider, ILogger<CertificateRenewalService> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(1);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = requester.NextRenewal() - timeProvider.GetUtcNow();
            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait < TimeSpan.FromHours(1) ? wait : TimeSpan.FromHours(1), timeProvider, stoppingToken);
                    continue;
                }

                await requester.EnsureAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is CertificateRequestException or k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
            {
                LogRenewalFailed(e.Message, RetryDelay);
                await Task.Delay(RetryDelay, timeProvider, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the agent's certificates failed: {Error}; retrying in {Delay}")]
    private partial void LogRenewalFailed(string error, TimeSpan delay);
}
