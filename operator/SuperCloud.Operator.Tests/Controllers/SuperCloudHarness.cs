using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Tests.Lab;

namespace SuperCloud.Operator.Tests.Controllers;

/// <summary>A lab API server with the project's CRDs applied, typed clients, and the SuperCloud controllers registered through DI.</summary>
internal sealed class SuperCloudHarness : IAsyncDisposable
{
    public const string LeaseNamespace = "supercloud-system";
    private readonly CancellationTokenSource _stop = new();
    private ServiceProvider? _provider;
    private Task[] _runs = [];

    private SuperCloudHarness(LabServer lab)
    {
        Lab = lab;
        Pods = new ResourceClient<SuperPod>(lab.Client);
        Nodes = new ResourceClient<SuperNode>(lab.Client);
        Clusters = new ResourceClient<SuperCluster>(lab.Client);
    }

    public LabServer Lab { get; }

    public OperatorMetrics Metrics { get; } = new(Prometheus.Metrics.NewCustomRegistry());

    public ResourceClient<SuperPod> Pods { get; }

    public ResourceClient<SuperNode> Nodes { get; }

    public ResourceClient<SuperCluster> Clusters { get; }

    public string Namespace => Lab.Namespace;

    public static async Task<SuperCloudHarness> StartAsync()
    {
        var lab = await LabServer.StartAsync();
        await InstallCrdsAsync(lab.Client);
        await lab.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = LeaseNamespace } });
        return new SuperCloudHarness(lab);
    }

    /// <summary>Creates the project's CRDs from crds/generated, as `kubectl apply -f crds/generated/` would.</summary>
    public static async Task InstallCrdsAsync(Kubernetes client)
    {
        foreach (var file in Directory.GetFiles(GeneratedDirectory(), "*.yaml").Order(StringComparer.Ordinal))
        {
            var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(file));
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        }
    }

    /// <summary>Registers the controllers as the operator does and runs every informer and controller until disposal.</summary>
    public void StartControllers(NodeHealthOptions? nodeHealth = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddControllerRuntime(Lab.Client, new LeaderElectionOptions { Enabled = false });
        services.AddSingleton(Metrics);
        services.AddSingleton(new InformerOptions { Namespace = Namespace });
        services.AddSuperCloudControllers(
            nodeHealth, scheduling: new SchedulingControllerOptions { InitialBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(1) });
        _provider = services.BuildServiceProvider();
        var controllers = _provider.GetServices<IController>().ToList();
        var informers = _provider.GetServices<IInformer>().ToList();
        _runs = [.. informers.Select(i => i.RunAsync(_stop.Token)), .. controllers.Select(c => c.RunAsync(_stop.Token))];
    }

    /// <summary>Waits until the node health controller has marked every named node Ready.</summary>
    public Task UntilReadyAsync(params string[] nodes) =>
        Eventually.UntilAsync(
            () => nodes.All(n => GetNodeAsync(n).GetAwaiter().GetResult().Status?.Phase == SuperNodePhase.Ready),
            $"nodes {string.Join(", ", nodes)} are Ready", TimeSpan.FromSeconds(10));

    public Task<SuperCluster> CreateClusterAsync(string name, CloudProvider provider, string region, string onDemandVcpu, string? spotVcpu = null) =>
        Clusters.CreateAsync(
            new SuperCluster
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new SuperClusterSpec
                {
                    Provider = provider,
                    Region = region,
                    Pricing = new Pricing
                    {
                        OnDemand = new PriceRates { PerVcpuHour = onDemandVcpu, PerGiBHour = "0.004" },
                        Spot = spotVcpu is null ? null : new PriceRates { PerVcpuHour = spotVcpu, PerGiBHour = "0.001" },
                    },
                },
            },
            CancellationToken.None);

    /// <summary>Creates a SuperNode with allocatable resources in status and a heartbeat Lease renewed now (none when <paramref name="leaseSeconds"/> is 0).</summary>
    public async Task<SuperNode> CreateNodeAsync(
        string name, string cluster, string cpu = "8", string memory = "32Gi", bool spot = false, int leaseSeconds = 3600,
        Dictionary<string, string>? annotations = null)
    {
        var node = await Nodes.CreateAsync(
            new SuperNode
            {
                Metadata = new V1ObjectMeta { Name = name, Annotations = annotations },
                Spec = new SuperNodeSpec { Cluster = cluster, AgentEndpoint = "10.0.0.1:7443", Spot = spot },
            },
            CancellationToken.None);
        node.Status = new SuperNodeStatus
        {
            Capacity = new NodeResources { Cpu = new ResourceQuantity(cpu), Memory = new ResourceQuantity(memory), SuperPods = 10 },
            Allocatable = new NodeResources { Cpu = new ResourceQuantity(cpu), Memory = new ResourceQuantity(memory), SuperPods = 10 },
        };
        node = await Nodes.ReplaceAsync(node, "status", CancellationToken.None);
        if (leaseSeconds == 0)
        {
            return node;
        }

        await Lab.Client.CoordinationV1.CreateNamespacedLeaseAsync(
            new V1Lease
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = LeaseNamespace },
                Spec = new V1LeaseSpec { HolderIdentity = name, LeaseDurationSeconds = leaseSeconds, RenewTime = DateTime.UtcNow, AcquireTime = DateTime.UtcNow },
            },
            LeaseNamespace);
        return node;
    }

    public Task<SuperPod> CreatePodAsync(string name, string cpu = "1", string memory = "1Gi", Placement? placement = null, RunStrategy? runStrategy = null) =>
        Pods.CreateAsync(
            new SuperPod
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
                Spec = new SuperPodSpec
                {
                    Resources = new SuperPodResources { Cpu = new ResourceQuantity(cpu), Memory = new ResourceQuantity(memory) },
                    Boot = new BootSource { Image = "supercloud/test-guest:latest" },
                    Placement = placement,
                    RunStrategy = runStrategy,
                },
            },
            CancellationToken.None);

    public async Task<SuperPod> GetPodAsync(string name) => (await Pods.GetAsync(new ObjectKey(Namespace, name), CancellationToken.None))!;

    public async Task<SuperNode> GetNodeAsync(string name) => (await Nodes.GetAsync(new ObjectKey(null, name), CancellationToken.None))!;

    /// <summary>Polls the API (not a cache) until <paramref name="condition"/> holds for the SuperPod.</summary>
    public async Task<SuperPod> UntilPodAsync(string name, Func<SuperPod, bool> condition, string because, int seconds = 10)
    {
        SuperPod? pod = null;
        try
        {
            await Eventually.UntilAsync(() => condition(pod = GetPodAsync(name).GetAwaiter().GetResult()), because, TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last status: {KubernetesJson.Serialize(pod?.Status)}", e);
        }

        return pod!;
    }

    /// <summary>Renews a node's heartbeat Lease now, as its agent would.</summary>
    public async Task RenewLeaseAsync(string node, int leaseSeconds)
    {
        var lease = await Lab.Client.CoordinationV1.ReadNamespacedLeaseAsync(node, LeaseNamespace);
        lease.Spec.RenewTime = DateTime.UtcNow;
        lease.Spec.LeaseDurationSeconds = leaseSeconds;
        await Lab.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, node, LeaseNamespace);
    }

    public async Task<IList<Corev1Event>> EventsAsync() => (await Lab.Client.CoreV1.ListNamespacedEventAsync(Namespace)).Items;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_runs).WaitAsync(TimeSpan.FromSeconds(10));
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        _stop.Dispose();
        await Lab.DisposeAsync();
    }

    private static string GeneratedDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "crds", "generated")))
        {
            dir = dir.Parent;
        }

        return dir is null
            ? throw new DirectoryNotFoundException("crds/generated not found above " + AppContext.BaseDirectory)
            : Path.Combine(dir.FullName, "crds", "generated");
    }
}
