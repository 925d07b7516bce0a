using k8s;

namespace SuperCloud.NodeAgent.Registration;

/// <summary>Turns on SuperNode registration in the agent's host when a Kubernetes API is configured.</summary>
public static class NodeRegistrationSetup
{
    /// <summary>
    /// The client configuration to use: the kubeconfig of <see cref="NodeRegistrationOptions.Kubeconfig"/> (or of the
    /// KUBECONFIG environment variable, as client-go's loading rules have it), else the in-cluster service account, else
    /// null (no Kubernetes API: the agent serves gRPC only).
    /// </summary>
    public static KubernetesClientConfiguration? ClientConfiguration(NodeRegistrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kubeconfig.Length == 0 && Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } fromEnvironment)
        {
            options.Kubeconfig = fromEnvironment;
        }

        if (options.Kubeconfig.Length > 0)
        {
            if (!File.Exists(options.Kubeconfig))
            {
                throw new FileNotFoundException($"Kubernetes:Kubeconfig: file '{options.Kubeconfig}' does not exist", options.Kubeconfig);
            }

            var fromFile = KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig, options.Context.Length > 0 ? options.Context : null);
            fromFile.HttpClientTimeout = options.RequestTimeout;
            return fromFile;
        }

        if (!KubernetesClientConfiguration.IsInCluster())
        {
            return null;
        }

        var inCluster = KubernetesClientConfiguration.InClusterConfig();
        inCluster.HttpClientTimeout = options.RequestTimeout;
        return inCluster;
    }

    /// <summary>
    /// Adds the registration services and the hosted <see cref="NodeRegistrationService"/>, talking to the API of
    /// <paramref name="clientConfiguration"/> (the client is disposed with the container);
    /// the host's <see cref="NodeAgentOptions"/>, <see cref="TimeProvider"/>, driver and <see cref="Api.HostResources"/>
    /// are taken from the container.
    /// </summary>
    public static IServiceCollection AddNodeRegistration(this IServiceCollection services, NodeRegistrationOptions options, KubernetesClientConfiguration clientConfiguration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clientConfiguration);
        services.AddSingleton(options);
        services.AddSingleton<IKubernetes>(_ => new Kubernetes(clientConfiguration));
        services.AddSingleton<SuperNodeRegistrar>();
        services.AddSingleton<NodeLease>();
        services.AddSingleton<HostReportReader>();
        services.AddHostedService<NodeRegistrationService>();
        return services;
    }
}
