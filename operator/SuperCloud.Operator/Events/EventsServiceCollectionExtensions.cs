using Microsoft.Extensions.DependencyInjection.Extensions;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Events;

/// <summary>Registers CloudEvents publishing of SuperPod lifecycle and migration events.</summary>
public static class EventsServiceCollectionExtensions
{
    /// <summary>Adds the publisher and the informer-driven event source; without sinks nothing is published.</summary>
    public static IServiceCollection AddCloudEvents(this IServiceCollection services, CloudEventsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton<CloudEventsMetrics>();
        services.TryAddSingleton<CloudEventPublisher>();
        services.AddInformer<SuperPodMigration>();
        services.AddHostedService<LifecycleEventSource>();
        return services;
    }
}
