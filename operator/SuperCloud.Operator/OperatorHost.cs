using System.Text.Json;
using k8s;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Prometheus;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator;

/// <summary>Builds the operator process: configuration, JSON logs, the Kubernetes client, the runtime, and /metrics, /healthz, /readyz.</summary>
public static class OperatorHost
{
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["--kubeconfig"] = "Operator:Kubeconfig",
        ["--context"] = "Operator:Context",
        ["--listen-address"] = "Operator:ListenAddress",
        ["--namespace"] = "Operator:WatchNamespace",
        ["--workers"] = "Operator:Workers",
        ["--leader-elect"] = "Operator:LeaderElection:Enabled",
        ["--leader-election-namespace"] = "Operator:LeaderElection:Namespace",
        ["--leader-election-id"] = "Operator:LeaderElection:LeaseName",
        ["--config"] = "Operator:ConfigFile",
        ["--agent-ca"] = "Operator:AgentClient:CaPath",
        ["--agent-cert"] = "Operator:AgentClient:CertificatePath",
        ["--agent-key"] = "Operator:AgentClient:KeyPath",
        ["--signer-ca"] = "Operator:Signer:CaPath",
        ["--signer-key"] = "Operator:Signer:KeyPath",
        ["--max-parallel-migrations"] = "Operator:MaxParallelMigrations",
        ["--failpoints"] = "Operator:Failpoints",
        ["--max-outbound-migrations-per-node"] = "Operator:MaxOutboundMigrationsPerNode",
        ["--default-registry"] = "Operator:Images:DefaultRegistry",
        ["--plain-http-registries"] = "Operator:Images:PlainHttpRegistries",
        ["--registry-ca"] = "Operator:Images:CaBundlePath",
        ["--dashboard-address"] = "Operator:Dashboard:ListenAddress",
        ["--subresource-api-address"] = "Operator:SubresourceApi:ListenAddress",
        ["--tls-cert-file"] = "Operator:SubresourceApi:CertificatePath",
        ["--tls-private-key-file"] = "Operator:SubresourceApi:KeyPath",
        ["--requestheader-client-ca-file"] = "Operator:SubresourceApi:RequestHeaderCaPath",
        ["--requestheader-allowed-names"] = "Operator:SubresourceApi:RequestHeaderAllowedNames",
    };

    /// <summary>Creates the application; <paramref name="configureServices"/> registers controllers (and lets tests override services).</summary>
    public static WebApplication Build(string[] args, Action<IServiceCollection, OperatorOptions>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddEnvironmentVariables("SUPERCLOUD_");
        builder.Configuration.AddCommandLine(args, Flags);
        if (builder.Configuration["Operator:ConfigFile"] is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                throw new ArgumentException($"--config file '{file}' does not exist");
            }

            // The file goes just below our SUPERCLOUD_ variables and flags (the last two sources): explicit settings win.
            var json = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource { Path = Path.GetFullPath(file), Optional = false };
            json.ResolveFileProvider();
            builder.Configuration.Sources.Insert(builder.Configuration.Sources.Count - 2, json);
        }

        var options = builder.Configuration.GetSection(OperatorOptions.Section).Get<OperatorOptions>() ?? new OperatorOptions();
        options.Validate();

        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
            o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
        });
        builder.WebHost.UseUrls(options.ListenAddress);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        // One identity for the Lease and for every request, so the API server's audit log tells replicas apart.
        var leaderElection = options.LeaderElection.ToOptions();
        var client = new Kubernetes(KubernetesConfiguration(options), new UserAgentHandler(leaderElection.Identity));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new InformerOptions { Namespace = string.IsNullOrEmpty(options.WatchNamespace) ? null : options.WatchNamespace });
        builder.Services.AddSingleton(new ControllerOptions { Workers = options.Workers });
        builder.Services.AddControllerRuntime(client, leaderElection);
        builder.Services.AddHealthChecks().AddCheck<ControllerManager>("caches", tags: ["ready"]);
        if (options.SubresourceApi.Enabled)
        {
            builder.Services.AddSingleton(options.SubresourceApi);
            builder.Services.AddSingleton<Subresources.SuperPodSubresources>();
            builder.Services.AddHostedService<Subresources.SubresourceApiServer>();
        }

        configureServices?.Invoke(builder.Services, options);

        var app = builder.Build();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        app.MapMetrics("/metrics", app.Services.GetRequiredService<OperatorMetrics>().Registry);
        return app;
    }

    private static KubernetesClientConfiguration KubernetesConfiguration(OperatorOptions options)
    {
        if (!string.IsNullOrEmpty(options.Kubeconfig))
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig, options.Context);
        }

        // client-go's loading rules: KUBECONFIG, then the in-cluster service account, then ~/.kube/config.
        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } fromEnvironment)
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(fromEnvironment, options.Context);
        }

        return KubernetesClientConfiguration.IsInCluster()
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile(currentContext: options.Context);
    }
}
