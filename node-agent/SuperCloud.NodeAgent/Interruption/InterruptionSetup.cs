namespace SuperCloud.NodeAgent.Interruption;

/// <summary>Turns on the spot interruption poller in the agent's host.</summary>
public static class InterruptionSetup
{
    /// <summary>
    /// Adds the metadata client, the notice writer and the hosted <see cref="InterruptionPoller"/>; needs the Kubernetes
    /// client of the SuperNode registration. The endpoint is <see cref="InstanceMetadataOptions.Endpoint"/>, or the
    /// AWS_EC2_METADATA_SERVICE_ENDPOINT environment variable when set, as the AWS SDKs read it.
    /// </summary>
    public static IServiceCollection AddInterruptionPoller(this IServiceCollection services, InstanceMetadataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Environment.GetEnvironmentVariable("AWS_EC2_METADATA_SERVICE_ENDPOINT") is { Length: > 0 } fromEnvironment)
        {
            options.Endpoint = fromEnvironment;
        }

        services.AddSingleton(options);
        services.AddSingleton(sp => new InstanceMetadataClient(
            new HttpClient { BaseAddress = new Uri(options.Endpoint), Timeout = options.RequestTimeout },
            options,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<InterruptionNoticeWriter>();
        services.AddSingleton<InterruptionPoller>();
        services.AddHostedService(sp => sp.GetRequiredService<InterruptionPoller>());
        return services;
    }
}
