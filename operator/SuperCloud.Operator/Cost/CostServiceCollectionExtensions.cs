using Microsoft.Extensions.DependencyInjection.Extensions;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Cost;

/// <summary>Registers cost accounting: the SuperPod and SuperCluster cost controllers and their metrics.</summary>
public static class CostServiceCollectionExtensions
{
    /// <summary>Adds the <c>superpod-cost</c> and <c>supercluster-cost</c> controllers (after <see cref="ControllersServiceCollectionExtensions.AddSuperCloudControllers"/>).</summary>
    public static IServiceCollection AddCostAccounting(this IServiceCollection services, CostOptions? options = null)
    {
        options ??= new CostOptions();
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton<CostAccounts>();
        services.TryAddSingleton<CostMetrics>();
        services.AddInformer<SuperNode>(new InformerOptions());
        services.AddInformer<SuperCluster>(new InformerOptions());
        services.AddController<SuperPod, SuperPodCostReconciler>(
            "superpod-cost",
            configure: (controller, sp) =>
            {
                var pods = sp.GetRequiredService<Informer<SuperPod>>();
                var byNode = sp.GetRequiredService<SuperCloudIndexes>();
                pods.Cache.AddIndex(SuperClusterCostReconciler.PodsByCluster, p => string.IsNullOrEmpty(p.Status?.Cluster) ? [] : [p.Status.Cluster]);

                // A host that changes capacity type, or a cluster whose prices change, re-prices the SuperPods there.
                controller.Watches(sp.GetRequiredService<Informer<SuperNode>>(), node => byNode.Pods
                    .ByIndex(SuperCloudIndexes.PodsByNode, node.Metadata.Name).Select(ObjectKey.From));
                controller.Watches(sp.GetRequiredService<Informer<SuperCluster>>(), cluster => pods.Cache
                    .ByIndex(SuperClusterCostReconciler.PodsByCluster, cluster.Metadata.Name).Select(ObjectKey.From));
            });
        services.AddController<SuperCluster, SuperClusterCostReconciler>(
            "supercluster-cost",
            configure: (controller, sp) =>
            {
                controller.Watches(sp.GetRequiredService<Informer<SuperPod>>(), pod =>
                    string.IsNullOrEmpty(pod.Status?.Cluster) ? [] : [new ObjectKey(null, pod.Status.Cluster)]);
                controller.Watches(sp.GetRequiredService<Informer<SuperNode>>(), node =>
                    string.IsNullOrEmpty(node.Spec?.Cluster) ? [] : [new ObjectKey(null, node.Spec.Cluster)]);
            });
        return services;
    }
}
