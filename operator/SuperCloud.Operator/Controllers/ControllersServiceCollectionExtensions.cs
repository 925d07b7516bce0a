using k8s.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Migrations;
using SuperCloud.Operator.Networking;
using SuperCloud.Operator.Policies;
using SuperCloud.Operator.Providers;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Controllers;

/// <summary>Registers the SuperCloud controllers (scheduler, node health, cluster status) and the informers they share.</summary>
public static class ControllersServiceCollectionExtensions
{
    /// <summary>
    /// Adds the SuperPod scheduler, the SuperNode health and the SuperCluster status controllers, and the SuperPod VM
    /// controller when <paramref name="superPods"/> configures an agent client certificate.
    /// </summary>
    public static IServiceCollection AddSuperCloudControllers(
        this IServiceCollection services, NodeHealthOptions? nodeHealth = null, SchedulerOptions? scheduler = null,
        SchedulingControllerOptions? scheduling = null, SuperPodControllerOptions? superPods = null, MigrationControllerOptions? migrations = null,
        HostPoolProviderOptions? priceFeed = null)
    {
        nodeHealth ??= new NodeHealthOptions();
        nodeHealth.Validate();
        (scheduler ?? new SchedulerOptions()).Validate();

        // Cluster-scoped kinds ignore the operator's watch namespace; Leases live in the configured namespace only.
        services.AddInformer<SuperNode>(new InformerOptions());
        services.AddInformer<SuperCluster>(new InformerOptions());
        services.AddInformer<SuperPod>();
        services.AddInformer<StubResource>();
        services.AddInformer<V1Lease>(new InformerOptions { Namespace = nodeHealth.LeaseNamespace });
        services.TryAddSingleton(nodeHealth);
        services.TryAddSingleton(scheduler ?? new SchedulerOptions());
        services.TryAddSingleton(scheduling ?? new SchedulingControllerOptions());
        services.TryAddSingleton<SuperCloudIndexes>();

        services.AddController<SuperPod, SuperPodSchedulingReconciler>(
            "superpod-scheduler",
            configure: (controller, sp) =>
            {
                var indexes = sp.GetRequiredService<SuperCloudIndexes>();

                // A node or cluster that changes may make room: retry every waiting SuperPod at once.
                controller.Watches(sp.GetRequiredService<Informer<SuperNode>>(), _ => indexes.UnscheduledPods());
                controller.Watches(sp.GetRequiredService<Informer<SuperCluster>>(), _ => indexes.UnscheduledPods());
            });
        services.AddController<SuperNode, SuperNodeHealthReconciler>(
            "supernode-health",
            configure: (controller, sp) => controller.Watches(
                sp.GetRequiredService<Informer<V1Lease>>(),
                lease => lease.Metadata?.NamespaceProperty == nodeHealth.LeaseNamespace && !string.IsNullOrEmpty(lease.Metadata.Name)
                    ? [new ObjectKey(null, lease.Metadata.Name)]
                    : []));
        services.AddController<SuperCluster, SuperClusterReconciler>(
            "supercluster-status",
            configure: (controller, sp) =>
            {
                controller.Watches(
                    sp.GetRequiredService<Informer<SuperNode>>(),
                    node => string.IsNullOrEmpty(node.Spec?.Cluster) ? [] : [new ObjectKey(null, node.Spec.Cluster)]);

                // Overlay declarations are judged against each other: one cluster's change may settle or cause another's conflict.
                var clusters = sp.GetRequiredService<Informer<SuperCluster>>();
                controller.Watches(clusters, changed => clusters.Cache.Keys().Where(k => k.Name != changed.Metadata.Name));
            });
        priceFeed ??= new HostPoolProviderOptions();
        priceFeed.Validate();
        services.TryAddSingleton(priceFeed);
        services.TryAddSingleton<HostPoolProviders>();
        services.AddController<SuperCluster, SuperClusterPriceFeedReconciler>("supercluster-prices");
        superPods?.Validate();
        if (superPods is { AgentClient: { } agentClient })
        {
            services.TryAddSingleton(superPods);
            services.TryAddSingleton(sp => new AgentClientFactory(agentClient, sp.GetRequiredService<TimeProvider>()));
            AddNetwork(services, superPods);
            services.TryAddSingleton(sp => new SuperCloud.Images.RegistryClient(superPods.Registry, sp.GetRequiredService<TimeProvider>()));
            services.TryAddSingleton(sp => new Images.ImageResolver(sp.GetRequiredService<SuperCloud.Images.RegistryClient>(), superPods.DefaultRegistry));
            services.AddController<SuperPod, SuperPodController>(
                "superpod-vm",
                new ControllerOptions { BaseRetryDelay = superPods.InitialBackoff, MaxRetryDelay = superPods.MaxBackoff },
                (controller, sp) =>
                {
                    var indexes = sp.GetRequiredService<SuperCloudIndexes>();

                    // A node whose overlay changes state, or a cluster whose networks change, reaches the SuperPods it concerns.
                    controller.Watches(sp.GetRequiredService<Informer<SuperNode>>(), node => indexes.Pods.ByIndex(SuperCloudIndexes.PodsByNode, node.Metadata.Name)
                        .Where(p => SuperPodNetworking.NeedsNodeUpdate(p, node)).Select(ObjectKey.From));
                    controller.Watches(sp.GetRequiredService<Informer<SuperCluster>>(), _ => indexes.Pods.List()
                        .Where(p => SuperPodNetworking.AllocationReasons.Contains(Conditions.Find(p.Status?.Conditions, ConditionTypes.NetworkReady)?.Reason ?? ""))
                        .Select(ObjectKey.From));
                });
            AddMigrationControllers(services, migrations ?? new MigrationControllerOptions(), superPods);
        }

        return services;
    }

    // The overlay needs the agents too: the address books, the SuperPods' side of it and the publisher of the table.
    private static void AddNetwork(IServiceCollection services, SuperPodControllerOptions superPods)
    {
        services.TryAddSingleton(sp => new AddressBook(
            new ResourceClient<V1ConfigMap>(sp.GetRequiredService<k8s.Kubernetes>()), superPods.SystemNamespace, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AddressBook>>()));
        services.TryAddSingleton<SuperPodNetworking>();
        services.TryAddSingleton(new NetworkPublisherOptions { ResyncPeriod = superPods.NetworkResyncPeriod });
        services.AddController<SuperNode, NetworkPublisher>(
            "supernode-network",
            new ControllerOptions { BaseRetryDelay = superPods.InitialBackoff, MaxRetryDelay = superPods.MaxBackoff },
            (controller, sp) =>
            {
                var nodes = sp.GetRequiredService<Informer<SuperNode>>();

                // Every node gets the whole table: any SuperPod or cluster that changes may change it.
                controller.Watches(sp.GetRequiredService<Informer<SuperPod>>(), _ => nodes.Cache.Keys());
                controller.Watches(sp.GetRequiredService<Informer<SuperCluster>>(), _ => nodes.Cache.Keys());
            });
    }

    // Live migration needs the agents: the migration controller and the drain controller come with the SuperPod controller.
    private static void AddMigrationControllers(IServiceCollection services, MigrationControllerOptions options, SuperPodControllerOptions superPods)
    {
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton<MigrationMetrics>();
        services.AddInformer<SuperPodMigration>();
        services.AddInformer<MigrationPolicy>(new InformerOptions());
        services.AddInformer<V1Namespace>(new InformerOptions());
        services.TryAddSingleton(sp => new Failpoints(
            sp.GetService<OperatorOptions>()?.Failpoints is { Length: > 0 } configured ? configured : Environment.GetEnvironmentVariable(Failpoints.EnvironmentVariable),
            sp.GetRequiredService<ILogger<Failpoints>>()));
        services.TryAddSingleton<MigrationAdmission>();
        services.TryAddSingleton<MigrationInputs>();
        services.TryAddSingleton<AgentGateway>();
        services.TryAddSingleton<MigrationStatusWriter>();

        // Its own instance: a scheduler runs one cycle at a time, and the SuperPod scheduler has its own.
        services.TryAddKeyedSingleton(SuperPodMigrationReconciler.SchedulerKey, (sp, _) => new Scheduler(sp.GetRequiredService<SchedulerOptions>()));
        services.AddController<SuperPodMigration, SuperPodMigrationReconciler>(
            "superpodmigration",
            new ControllerOptions { BaseRetryDelay = superPods.InitialBackoff, MaxRetryDelay = superPods.MaxBackoff },
            (controller, sp) =>
            {
                var migrations = sp.GetRequiredService<Informer<SuperPodMigration>>();
                migrations.Cache.AddIndex(SuperPodMigrationReconciler.BySuperPod, m => [$"{m.Metadata.NamespaceProperty}/{m.Spec.SuperPod}"]);

                // A SuperPod that changes (runs, is deleted, is released) moves its unfinished migrations on.
                controller.Watches(sp.GetRequiredService<Informer<SuperPod>>(), pod => migrations.Cache
                    .ByIndex(SuperPodMigrationReconciler.BySuperPod, $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}")
                    .Where(m => !SuperPodMigrationReconciler.IsFinished(m.Status?.Phase) || Finalizers.Has(m, SuperPodMigrationReconciler.Finalizer))
                    .Select(ObjectKey.From));
            });
        services.AddController<SuperNode, SuperNodeDrainReconciler>(
            "supernode-drain",
            configure: (controller, sp) =>
            {
                controller.Watches(sp.GetRequiredService<Informer<SuperPod>>(), pod =>
                    string.IsNullOrEmpty(pod.Status?.Node) ? [] : [new ObjectKey(null, pod.Status.Node)]);
                controller.Watches(sp.GetRequiredService<Informer<SuperPodMigration>>(), m =>
                    m.Metadata.Labels?.TryGetValue(SuperCloudApi.DrainedNodeLabel, out var node) == true ? [new ObjectKey(null, node)] : []);
            });

        // Policies move SuperPods on their own: every input of a decision (pods, nodes, prices, migrations) re-evaluates the policies it concerns.
        services.TryAddSingleton(new PolicyControllerOptions());
        services.AddController<MigrationPolicy, MigrationPolicyReconciler>(
            "migrationpolicy",
            configure: (controller, sp) =>
            {
                var policies = sp.GetRequiredService<Informer<MigrationPolicy>>();
                var reconciler = sp.GetRequiredService<MigrationPolicyReconciler>();
                IEnumerable<ObjectKey> All() => policies.Cache.List().Select(ObjectKey.From);
                controller.Watches(sp.GetRequiredService<Informer<SuperPod>>(), pod =>
                    reconciler.PolicyOf(pod, policies.Cache.List()) is { } policy ? [ObjectKey.From(policy)] : []);
                controller.Watches(sp.GetRequiredService<Informer<SuperNode>>(), _ => All());
                controller.Watches(sp.GetRequiredService<Informer<SuperCluster>>(), _ => All());
                controller.Watches(sp.GetRequiredService<Informer<V1Namespace>>(), _ => All());
                controller.Watches(sp.GetRequiredService<Informer<SuperPodMigration>>(), m =>
                    m.Metadata.Labels?.TryGetValue(SuperCloudApi.MigrationPolicyLabel, out var policy) == true ? [new ObjectKey(null, policy)] : []);
            });
    }
}
