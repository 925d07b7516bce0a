using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Migrations;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Tests.Agents;
using SuperCloud.Operator.Tests.Controllers;

namespace SuperCloud.Operator.Tests.Migrations;

/// <summary>
/// The lab API server with the SuperCloud controllers, including the migration and drain controllers, talking to agents
/// of one cluster CA: real in-process agents (real QEMU) or endpoints where nothing answers.
/// </summary>
internal sealed class MigrationHarness : IAsyncDisposable
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(1);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<InProcessAgent> _agents = [];
    private ServiceProvider? _provider;
    private Task[] _runs = [];

    private MigrationHarness(SuperCloudHarness cluster) => Cluster = cluster;

    public SuperCloudHarness Cluster { get; }

    public CertificateAuthority Ca { get; } = CertificateAuthority.Create("test-cluster-ca", Validity, TimeProvider.System);

    public ResourceClient<SuperPodMigration> Migrations => new(Cluster.Lab.Client);

    public string Namespace => Cluster.Namespace;

    public static async Task<MigrationHarness> StartAsync()
    {
        var harness = new MigrationHarness(await SuperCloudHarness.StartAsync());
        await harness.Cluster.CreateClusterAsync("aws-use1", CloudProvider.Aws, "us-east-1", onDemandVcpu: "0.04");
        await harness.Cluster.CreateClusterAsync("onprem", CloudProvider.OnPrem, "lab", onDemandVcpu: "0.01");
        return harness;
    }

    /// <summary>Starts a real agent named <paramref name="name"/> and its SuperNode in <paramref name="cluster"/>.</summary>
    public async Task<InProcessAgent> AddAgentAsync(string name, string cluster)
    {
        var agent = await InProcessAgent.StartAsync(Ca, name);
        _agents.Add(agent);
        await AddNodeAsync(name, cluster, agent.Endpoint);
        return agent;
    }

    /// <summary>A SuperNode whose agent endpoint is <paramref name="endpoint"/> (nothing need answer there).</summary>
    public async Task AddNodeAsync(string name, string cluster, string endpoint, string memory = "8Gi")
    {
        await Cluster.CreateNodeAsync(name, cluster, memory: memory);
        await Cluster.Nodes.PatchAsync(
            new ObjectKey(null, name), System.Text.Json.JsonSerializer.Serialize(new { spec = new { agentEndpoint = endpoint } }), ResourceClient<SuperNode>.MergePatch, null, CancellationToken.None);
    }

    /// <summary>The operator's metrics as /metrics serves them (this harness has a registry of its own).</summary>
    public async Task<string> MetricsTextAsync()
    {
        using var stream = new MemoryStream();
        await Cluster.Metrics.Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public void StartControllers(MigrationControllerOptions? migrations = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddControllerRuntime(Cluster.Lab.Client, new LeaderElectionOptions { Enabled = false });
        services.AddSingleton(Cluster.Metrics);
        services.AddSingleton(new InformerOptions { Namespace = Namespace });
        services.AddSuperCloudControllers(
            scheduling: new SchedulingControllerOptions { InitialBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(1) },
            superPods: new SuperPodControllerOptions
            {
                AgentClient = new AgentClientOptions
                {
                    Credentials = TlsCredentials.FromCertificates(Ca.IssueClient(PeerIdentity.Operator, Validity), Ca.Certificate),
                    CallTimeout = TimeSpan.FromSeconds(10),
                    ConnectTimeout = TimeSpan.FromSeconds(2),
                },
                Registry = SuperCloud.Lab.Registry.RegistryServer.Missing is null ? TestGuest.RegistryOptions : new SuperCloud.Images.RegistryOptions(),
                PullingRequeue = TimeSpan.FromMilliseconds(200),
                StartingRequeue = TimeSpan.FromMilliseconds(200),
                InitialBackoff = TimeSpan.FromMilliseconds(200),
                MaxBackoff = TimeSpan.FromSeconds(1),
            },
            migrations: migrations ?? new MigrationControllerOptions
            {
                ProgressInterval = TimeSpan.FromMilliseconds(300), PendingRequeue = TimeSpan.FromMilliseconds(300), SchedulingTimeout = TimeSpan.FromSeconds(1),
            });
        _provider = services.BuildServiceProvider();
        _runs = [.. _provider.GetServices<IInformer>().Select(i => i.RunAsync(_stop.Token)), .. _provider.GetServices<IController>().Select(c => c.RunAsync(_stop.Token))];
    }

    /// <summary>Creates a SuperPod booting the test guest, pinned to <paramref name="cluster"/>.</summary>
    public Task<SuperPod> CreateGuestPodAsync(string name, string cluster, string memory = "128Mi") =>
        Cluster.Pods.CreateAsync(
            new SuperPod
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new SuperPodSpec
                {
                    Resources = new SuperPodResources { Cpu = new ResourceQuantity("1"), Memory = new ResourceQuantity(memory) },
                    Boot = new BootSource
                    {
                        Image = TestGuest.Image,
                        Cmdline = "console=ttyS0 quiet panic=-1 sc.mem_mib=32 sc.dirty_pages_per_sec=2000",
                    },
                    Placement = new Placement { Clusters = [cluster] },
                    RunStrategy = RunStrategy.Always,
                },
            },
            CancellationToken.None);

    /// <summary>A SuperPod recorded as running on <paramref name="node"/> (no agent involved), as the SuperPod controller leaves it.</summary>
    public async Task<SuperPod> CreateRunningPodAsync(string name, string node, SuperPodPhase phase = SuperPodPhase.Running)
    {
        var pod = await Cluster.Pods.CreateAsync(
            new SuperPod
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
                Spec = new SuperPodSpec
                {
                    Resources = new SuperPodResources { Cpu = new ResourceQuantity("1"), Memory = new ResourceQuantity("128Mi") },
                    Boot = new BootSource { Image = "supercloud/test-guest:latest" },
                },
            },
            CancellationToken.None);
        var clusterName = (await Cluster.GetNodeAsync(node)).Spec.Cluster;

        // As the SuperPod controller leaves it: its image resolved (to a digest no agent is asked for here).
        pod.Status = new SuperPodStatus
        {
            Node = node, Cluster = clusterName, Phase = phase,
            Images = [new ImageStatus { Name = "boot", Image = "supercloud/test-guest:latest", Resolved = "registry.invalid:5000/supercloud/test-guest@" + SuperCloud.Images.Digest.Of([1]) }],
        };
        return await Cluster.Pods.ReplaceAsync(pod, "status", CancellationToken.None);
    }

    public Task<SuperPodMigration> CreateMigrationAsync(string name, string pod, MigrationTarget? target = null, MigrationLimits? limits = null) =>
        Migrations.CreateAsync(
            new SuperPodMigration
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
                Spec = new SuperPodMigrationSpec { SuperPod = pod, Target = target, Limits = limits },
            },
            CancellationToken.None);

    public async Task<SuperPodMigration?> GetMigrationAsync(string name) =>
        await Migrations.GetAsync(new ObjectKey(Namespace, name), CancellationToken.None);

    /// <summary>Polls the API until the migration satisfies <paramref name="condition"/>.</summary>
    public async Task<SuperPodMigration> UntilMigrationAsync(string name, Func<SuperPodMigration, bool> condition, string because, int seconds = 10)
    {
        SuperPodMigration? migration = null;
        try
        {
            await Eventually.UntilAsync(() => (migration = GetMigrationAsync(name).GetAwaiter().GetResult()) is { } m && condition(m), because, TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last status: {KubernetesJson.Serialize(migration?.Status)}", e);
        }

        return migration!;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_runs).WaitAsync(TimeSpan.FromSeconds(10));
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        _stop.Dispose();
        Ca.Dispose();
        await Cluster.DisposeAsync();
    }
}
