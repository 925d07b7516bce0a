using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Controllers;

public sealed class NodeHealthControllerTests : IAsyncLifetime
{
    private SuperCloudHarness _h = null!;

    public async Task InitializeAsync() => _h = await SuperCloudHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Node_turns_NotReady_when_its_lease_expires_and_its_superpods_are_lost_after_the_grace_period()
    {
        await _h.CreateClusterAsync("aws-use1", CloudProvider.Aws, "us-east-1", onDemandVcpu: "0.04");
        await _h.CreateNodeAsync("dying", "aws-use1", leaseSeconds: 2);
        await _h.CreatePodAsync("vm");
        await BindAsync("vm", "dying");
        _h.StartControllers(new NodeHealthOptions { LeaseNamespace = SuperCloudHarness.LeaseNamespace, LostNodeGracePeriod = TimeSpan.FromSeconds(1) });

        await Eventually.UntilAsync(() => _h.GetNodeAsync("dying").Result.Status?.Phase == SuperNodePhase.Ready, "the node is Ready while its lease is fresh");
        await Eventually.UntilAsync(
            () => _h.GetNodeAsync("dying").Result.Status?.Phase == SuperNodePhase.NotReady, "the node turned NotReady after its lease expired");
        var ready = Conditions.Find((await _h.GetNodeAsync("dying")).Status!.Conditions, ConditionTypes.Ready)!;
        ready.Status.Should().Be("False");
        ready.Reason.Should().Be("LeaseExpired");
        ready.Message.Should().StartWith("node agent lease supercloud-system/dying expired at ");

        var pod = await _h.UntilPodAsync("vm", p => p.Status?.Phase == SuperPodPhase.Failed, "the SuperPod was declared lost");
        pod.Status!.Node.Should().Be("dying", "an unfenced node might still run the VM, so it is never placed elsewhere");
        var lost = Conditions.Find(pod.Status.Conditions, ConditionTypes.Ready)!;
        lost.Reason.Should().Be("NodeLost");
        lost.Message.Should().Contain("it is not fenced (supercloud.dev/fenced=true), so the SuperPod is not started elsewhere");
    }

    [Fact]
    public async Task Superpods_of_a_lost_fenced_node_are_rescheduled_on_a_healthy_node()
    {
        await _h.CreateClusterAsync("aws-use1", CloudProvider.Aws, "us-east-1", onDemandVcpu: "0.04");
        await _h.CreateNodeAsync("fenced", "aws-use1", leaseSeconds: 1, annotations: new() { [NodeHealthOptions.FencedAnnotation] = "true" });
        await _h.CreateNodeAsync("healthy", "aws-use1");
        await _h.CreatePodAsync("vm");
        await _h.CreatePodAsync("halted", runStrategy: RunStrategy.Manual);
        await BindAsync("vm", "fenced");
        await BindAsync("halted", "fenced");
        _h.StartControllers(new NodeHealthOptions { LeaseNamespace = SuperCloudHarness.LeaseNamespace, LostNodeGracePeriod = TimeSpan.FromSeconds(1) });

        var pod = await _h.UntilPodAsync("vm", p => p.Status?.Node == "healthy", "the SuperPod was rescheduled");
        Conditions.Find(pod.Status!.Conditions, ConditionTypes.Scheduled)!.Reason.Should().Be("Scheduled");
        var manual = await _h.UntilPodAsync("halted", p => p.Status?.Phase == SuperPodPhase.Failed, "the Manual SuperPod was declared lost");
        manual.Status!.Node.Should().Be("fenced", "runStrategy Manual does not restart a VM elsewhere");
    }

    [Fact]
    public async Task Node_without_a_lease_is_NotReady_and_a_renewed_lease_brings_an_expired_node_back()
    {
        await _h.CreateClusterAsync("aws-use1", CloudProvider.Aws, "us-east-1", onDemandVcpu: "0.04");
        await _h.CreateNodeAsync("silent", "aws-use1", leaseSeconds: 0);
        await _h.CreateNodeAsync("flaky", "aws-use1", leaseSeconds: 1);
        _h.StartControllers(new NodeHealthOptions { LeaseNamespace = SuperCloudHarness.LeaseNamespace });

        await Eventually.UntilAsync(() => _h.GetNodeAsync("silent").Result.Status?.Phase == SuperNodePhase.NotReady, "the node without a lease is NotReady");
        var silent = Conditions.Find((await _h.GetNodeAsync("silent")).Status!.Conditions, ConditionTypes.Ready)!;
        silent.Reason.Should().Be("NoLease");
        silent.Message.Should().Be("node agent has not created its lease supercloud-system/silent");
        await Eventually.UntilAsync(() => _h.GetNodeAsync("flaky").Result.Status?.Phase == SuperNodePhase.NotReady, "the flaky node's lease expired");

        await _h.RenewLeaseAsync("flaky", 3600);

        await Eventually.UntilAsync(() => _h.GetNodeAsync("flaky").Result.Status?.Phase == SuperNodePhase.Ready, "the renewal made the node Ready again");
        Conditions.Find((await _h.GetNodeAsync("flaky")).Status!.Conditions, ConditionTypes.Ready)!.Reason.Should().Be("LeaseRenewed");
    }

    [Fact]
    public async Task Supercluster_status_sums_its_nodes()
    {
        await _h.CreateClusterAsync("aws-use1", CloudProvider.Aws, "us-east-1", onDemandVcpu: "0.04");
        await _h.CreateNodeAsync("a", "aws-use1", cpu: "8", memory: "32Gi");
        await _h.CreateNodeAsync("b", "aws-use1", cpu: "7500m", memory: "16Gi");
        await _h.CreateNodeAsync("elsewhere", "other", cpu: "64");
        _h.StartControllers();

        await Eventually.UntilAsync(
            () => _h.Clusters.GetAsync(new ObjectKey(null, "aws-use1"), CancellationToken.None).Result?.Status?.ReadyNodes == 2,
            "both nodes counted Ready");
        var status = (await _h.Clusters.GetAsync(new ObjectKey(null, "aws-use1"), CancellationToken.None))!.Status!;
        status.Nodes.Should().Be(2);
        status.Capacity!.Cpu!.ToString().Should().Be("15500m");
        status.Allocatable!.Memory!.ToString().Should().Be("48Gi");
        status.Allocatable.SuperPods.Should().Be(20);
        var ready = Conditions.Find(status.Conditions, ConditionTypes.Ready)!;
        ready.Reason.Should().Be("NodesReady");
        ready.Message.Should().Be("2 of 2 nodes are Ready");
    }

    private async Task BindAsync(string pod, string node)
    {
        var current = await _h.GetPodAsync(pod);
        current.Status = new SuperPodStatus { Node = node, Cluster = "aws-use1", Phase = SuperPodPhase.Running };
        await _h.Pods.ReplaceAsync(current, "status", CancellationToken.None);
    }
}
