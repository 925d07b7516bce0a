using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SuperCloud.Operator.Runtime;

/// <summary>Registers the controller runtime, informers and controllers in dependency injection.</summary>
public static class RuntimeServiceCollectionExtensions
{
    /// <summary>Registers the runtime around <paramref name="client"/>: metrics, leader election, event recorder and the controller manager.</summary>
    public static IServiceCollection AddControllerRuntime(this IServiceCollection services, Kubernetes client, LeaderElectionOptions leaderElection)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(leaderElection);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new OperatorMetrics());
        services.AddSingleton(client);
        services.AddSingleton<IKubernetes>(client);
        services.AddSingleton(leaderElection);
        services.AddSingleton<LeaderElection>();
        services.AddSingleton(sp => new ResourceClient<Corev1Event>(client));
        services.AddSingleton(sp => new EventRecorder(
            sp.GetRequiredService<ResourceClient<Corev1Event>>(), "supercloud-operator", sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EventRecorder>>())
        {
            Host = leaderElection.Identity,
        });
        services.AddSingleton<ControllerManager>();
        services.AddHostedService(sp => sp.GetRequiredService<ControllerManager>());
        return services;
    }

    /// <summary>Registers a shared informer (one per kind) of <typeparamref name="T"/>; without <paramref name="options"/> it uses the registered <see cref="InformerOptions"/>.</summary>
    public static IServiceCollection AddInformer<T>(this IServiceCollection services, InformerOptions? options = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (services.Any(d => d.ServiceType == typeof(Informer<T>)))
        {
            return services;
        }

        services.AddSingleton(sp => new ResourceClient<T>(sp.GetRequiredService<Kubernetes>()));
        services.AddSingleton(sp => new Informer<T>(
            sp.GetRequiredService<ResourceClient<T>>(), options ?? sp.GetService<InformerOptions>() ?? new InformerOptions(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<Informer<T>>>()));
        services.AddSingleton<IInformer>(sp => sp.GetRequiredService<Informer<T>>());
        services.AddSingleton<StatusWriter<T>>();
        return services;
    }

    /// <summary>
    /// Registers a controller named <paramref name="name"/> that reconciles <typeparamref name="T"/> with
    /// <typeparamref name="TReconciler"/>; terminal errors become a Warning Event and a Ready=False condition.
    /// <paramref name="configure"/> adds watches of owned or related kinds.
    /// </summary>
    public static IServiceCollection AddController<T, TReconciler>(
        this IServiceCollection services, string name, ControllerOptions? options = null, Action<Controller<T>, IServiceProvider>? configure = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TReconciler : class, IReconciler
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        services.AddInformer<T>();
        services.TryAddSingleton<TReconciler>();
        services.AddSingleton<IController>(sp =>
        {
            var informer = sp.GetRequiredService<Informer<T>>();
            var recorder = sp.GetRequiredService<EventRecorder>();
            var statusWriter = sp.GetRequiredService<StatusWriter<T>>();
            var controller = new Controller<T>(
                name, informer, sp.GetRequiredService<TReconciler>(), options ?? sp.GetService<ControllerOptions>() ?? new ControllerOptions(), sp.GetRequiredService<OperatorMetrics>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Controller<T>>>(),
                async (key, error, ct) =>
                {
                    if (informer.Cache.Get(key) is { } obj)
                    {
                        await recorder.WarningAsync(obj, error.Reason, error.Message, ct);
                    }

                    await statusWriter.SetConditionAsync(
                        key, new V1Condition { Type = "Ready", Status = "False", Reason = error.Reason, Message = error.Message }, ct);
                });
            configure?.Invoke(controller, sp);
            return controller;
        });
        return services;
    }
}
