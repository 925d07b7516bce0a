using System.Net;
using System.Net.Sockets;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Lab.Hosts;
using SuperCloud.Lab.Spot;
using SuperCloud.NodeAgent.Interruption;
using SuperCloud.NodeAgent.Tests.Registration;

namespace SuperCloud.NodeAgent.Tests.Interruption;

/// <summary>
/// The agent's metadata poller against the lab's IMDSv2 endpoint, recording notices on its own SuperNode through the
/// lab API server with the agent's node-bound token, under node-agent/deploy's RBAC and admission policy.
/// </summary>
public sealed class InterruptionPollerTests : IAsyncLifetime, IDisposable
{
    private const string Spot = "aws-us-east-1-2";
    private const string OnDemand = "aws-us-east-1-1";
    private readonly string _dataDir = TestEnvironment.NewTempDir("scimds");
    private readonly InstanceMetadataOptions _options = new() { PollInterval = TimeSpan.FromMilliseconds(200) };
    private RegistrationLab _lab = null!;
    private SpotLabServer _metadata = null!;
    private SpotMarketStore _market = null!;
    private Kubernetes _agentClient = null!;
    private Uri _endpoint = null!;

    public async Task InitializeAsync()
    {
        _lab = await RegistrationLab.StartAsync();
        var kubeconfig = await _lab.InstallAgentIdentityAsync(Spot, OnDemand);
        _agentClient = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        await _lab.StartAgentAsync(RegistrationLab.AgentOptions(Spot), RegistrationLab.FastOptions(), kubeconfig: kubeconfig);
        await _lab.WaitForNodeAsync(Spot, n => RegistrationLab.Ready(n)?.Status == "True", "the spot host registered");

        _market = new SpotMarketStore(_dataDir, TimeProvider.System);
        var topology = LabTopology.Create("imdtst", LabSubnet.Parse("10.78.0.0/16"), CloudSpec.ParseList("aws-us-east-1:2"));
        await _market.UpdateAsync(_ => 0, CancellationToken.None, LabSpotMarket.Create(topology, DateTime.UtcNow));
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}");
        _metadata = await SpotLabServer.StartAsync(
            new SpotLabServerOptions { DataDir = _dataDir, Ec2Address = IPAddress.Loopback, Clouds = [], MetadataSockets = [(Spot, socket)] },
            TimeProvider.System,
            CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _metadata.DisposeAsync();
        await _lab.DisposeAsync();
    }

    public void Dispose() => _agentClient.Dispose();

    [Fact]
    public async Task A_termination_notice_becomes_InterruptionPending_on_the_agents_own_SuperNode_and_its_withdrawal_clears_it()
    {
        using var client = Client();
        var poller = Poller(client, Spot);

        (await poller.PollOnceAsync(CancellationToken.None)).Should().BeNull();
        (await Node()).Status!.Conditions.Should().NotContain(c => c.Type == ConditionTypes.InterruptionPending, "nothing is written while there never was a notice");

        var deadline = await LabSpotMarket.InterruptAsync(_market, Spot, "terminate", TimeSpan.FromMinutes(2), DateTime.UtcNow, CancellationToken.None);
        var seen = await poller.PollOnceAsync(CancellationToken.None);

        seen.Should().Be(new SpotInterruption("terminate", deadline));
        var node = await Node();
        node.Status!.InterruptionNotice!.Reason.Should().Be("terminate");
        node.Status.InterruptionNotice.Time.Should().Be(deadline);
        var pending = node.Status.Conditions!.Single(c => c.Type == ConditionTypes.InterruptionPending);
        pending.Status.Should().Be("True");
        pending.Reason.Should().Be(InterruptionNoticeWriter.InterruptionReason);
        node.Status.Conditions.Should().Contain(c => c.Type == ConditionTypes.Ready && c.Status == "True", "the heartbeat's condition stays with its owner");

        await _market.UpdateAsync(s => s.Notices.Remove(Spot), CancellationToken.None);
        (await poller.PollOnceAsync(CancellationToken.None)).Should().BeNull();
        node = await Node();
        node.Status!.InterruptionNotice.Should().BeNull();
        node.Status.Conditions!.Single(c => c.Type == ConditionTypes.InterruptionPending).Status.Should().Be("False");
    }

    [Fact]
    public async Task The_hosted_poller_records_a_notice_within_its_poll_interval()
    {
        using var client = Client();
        var poller = Poller(client, Spot);
        using var stop = new CancellationTokenSource();
        await poller.StartAsync(stop.Token);
        try
        {
            await LabSpotMarket.InterruptAsync(_market, Spot, "stop", TimeSpan.FromMinutes(2), DateTime.UtcNow, CancellationToken.None);
            var node = await _lab.WaitForNodeAsync(Spot, n => n.Status?.InterruptionNotice?.Reason == "stop", "the stop notice recorded");
            node.Status!.Conditions!.Should().Contain(c => c.Type == ConditionTypes.InterruptionPending && c.Status == "True");
        }
        finally
        {
            await poller.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_rebalance_recommendation_alone_is_recorded_as_such()
    {
        await _market.UpdateAsync(s => s.Notices[Spot] = new SpotNotice { RebalanceTime = DateTime.UtcNow }, CancellationToken.None);
        using var client = Client();

        var seen = await Poller(client, Spot).PollOnceAsync(CancellationToken.None);

        seen!.Reason.Should().Be("rebalance");
        var node = await Node();
        node.Status!.InterruptionNotice!.Reason.Should().Be("rebalance");
        node.Status.InterruptionNotice.Time.Should().BeNull("a recommendation sets no deadline");
        node.Status.Conditions!.Single(c => c.Type == ConditionTypes.InterruptionPending).Reason.Should().Be(InterruptionNoticeWriter.RebalanceReason);
    }

    [Fact]
    public async Task Metadata_is_served_only_with_an_imdsv2_token()
    {
        using var http = new HttpClient { BaseAddress = _endpoint };
        (await http.GetAsync(InstanceMetadataClient.InstanceActionPath)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var put = new HttpRequestMessage(HttpMethod.Put, "/latest/api/token");
        (await http.SendAsync(put)).StatusCode.Should().Be(HttpStatusCode.BadRequest, "a token request must give its TTL");

        using var client = Client();
        (await client.GetAsync("/latest/meta-data/instance-id", CancellationToken.None)).Should().Be(Ec2QueryApi.InstanceIdOf(Spot));

        (await client.GetAsync("/latest/meta-data/instance-life-cycle", CancellationToken.None)).Should().Be("spot");
    }

    [Fact]
    public async Task The_agent_cannot_record_a_notice_on_another_node()
    {
        await _lab.Client.CustomObjects.CreateClusterCustomObjectAsync(
            new SuperNode { ApiVersion = SuperCloudApi.GroupVersion, Kind = SuperNode.KubeKind, Metadata = new k8s.Models.V1ObjectMeta { Name = OnDemand }, Spec = new SuperNodeSpec { Cluster = "lab-eu", AgentEndpoint = "10.0.0.12:7443", Hypervisor = Crds.V1Alpha1.Hypervisor.Qemu } },
            SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName);
        var writer = new InterruptionNoticeWriter(_agentClient, RegistrationLab.AgentOptions(OnDemand), TimeProvider.System);

        var write = async () => await writer.WriteAsync(new SpotInterruption("terminate", DateTime.UtcNow.AddMinutes(2)), CancellationToken.None);

        (await write.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    private InstanceMetadataClient Client() => new(new HttpClient { BaseAddress = _endpoint, Timeout = _options.RequestTimeout }, _options, TimeProvider.System);

    private InterruptionPoller Poller(InstanceMetadataClient client, string node) => new(
        client,
        new InterruptionNoticeWriter(_agentClient, RegistrationLab.AgentOptions(node), TimeProvider.System),
        _options,
        TimeProvider.System,
        NullLogger<InterruptionPoller>.Instance);

    private async Task<SuperNode> Node() => KubernetesJson.Deserialize<SuperNode>(KubernetesJson.Serialize(
        await _lab.Client.CustomObjects.GetClusterCustomObjectAsync(SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, Spot)));
}
