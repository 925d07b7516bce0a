using Microsoft.Extensions.DependencyInjection.Extensions;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Dashboard;

/// <summary>Registers the read-only dashboard and the informers it reads.</summary>
public static class DashboardServiceCollectionExtensions
{
    /// <summary>Adds the dashboard when <paramref name="options"/> names a listen address.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services, DashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!options.Enabled)
        {
            return services;
        }

        services.TryAddSingleton(options);
        services.AddInformer<SuperNode>(new InformerOptions());
        services.AddInformer<SuperCluster>(new InformerOptions());
        services.AddInformer<SuperPod>();
        services.AddInformer<SuperPodMigration>();
        services.TryAddSingleton<CostHistory>();
        services.TryAddSingleton<DashboardSnapshot>();
        services.TryAddSingleton<DashboardChanges>();
        services.AddHostedService<DashboardServer>();
        return services;
    }
}
