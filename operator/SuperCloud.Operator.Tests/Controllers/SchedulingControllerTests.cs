using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Controllers;

public sealed class SchedulingControllerTests : IAsyncLifetime
{
    private SuperCloudHarness _h = null!;

    public async Task InitializeAsync() => _h = await SuperCloudHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Pending_superpod_is_bound_to_the_cheapest_fitting_node_with_an_explained_Scheduled_condition()
    {
        await _h.CreateClusterAsync("aws-use1", CloudProvider.Aws, "us-east-1", onDemandVcpu: "0.04");
        await _h.CreateClusterAsync("gcp-euw4", CloudProvider.Gcp, "europe-west4", onDemandVcpu: "0.02");
        await _h.CreateNodeAsync("aws-1", "aws-use1");
        await _h.CreateNodeAsync("gcp-1", "gcp-euw4");
        await _h.CreateNodeAsync("gcp-small", "gcp-euw4", cpu: "1");
        _h.StartControllers();
        await _h.UntilReadyAsync("aws-1", "gcp-1", "gcp-small");

        await _h.CreatePodAsync("vm", cpu: "2", memory: "4Gi");

        var pod = await _h.UntilPodAsync("vm", p => p.Status?.Node is not null, "the SuperPod was bound");
        pod.Status!.Node.Should().Be("gcp-1");
        pod.Status.Cluster.Should().Be("gcp-euw4");
        pod.Status.Cloud.Should().Be(CloudProvider.Gcp);
        pod.Status.Region.Should().Be("europe-west4");
        pod.Status.Phase.Should().Be(SuperPodPhase.Scheduled);
        var scheduled = Conditions.Find(pod.Status.Conditions, ConditionTypes.Scheduled)!;
        scheduled.Status.Should().Be("True");
        scheduled.Reason.Should().Be("Scheduled");
        scheduled.Message.Should().StartWith("assigned to node gcp-1 (cluster gcp-euw4, gcp europe-west4; 2 of 3 examined nodes fit): Price: 0.056 USD/h on-demand");
        await Eventually.UntilAsync(
            () => _h.EventsAsync().Result.Any(e => e.Reason == "Scheduled" && e.Message == $"Successfully assigned {_h.Namespace}/vm to gcp-1"),
            "a Scheduled event was recorded");
    }

    [Fact]
    public async Task Unschedulable_superpod_gets_kube_style_counts_and_is_placed_when_a_fitting_node_appears()
    {
        await _h.CreateClusterAsync("aws-use1", CloudProvider.Aws, "us-east-1", onDemandVcpu: "0.04", spotVcpu: "0.01");
        await _h.CreateNodeAsync("spot-small", "aws-use1", memory: "8Gi", spot: true);
        await _h.CreateNodeAsync("on-demand", "aws-use1", memory: "64Gi");
        _h.StartControllers();
        await _h.UntilReadyAsync("spot-small", "on-demand");

        await _h.CreatePodAsync("vm", memory: "16Gi", placement: new Placement { Spot = SpotPolicy.Required });

        // The scheduler's node cache may still see a node as not ready on the first attempt; the condition converges
        // once the node's Ready status reaches it, which is what a user watching the SuperPod sees settle.
        const string expected = "0/2 nodes are available: 1 Insufficient memory, 1 node(s) didn't match spot requirement.";
        var pod = await _h.UntilPodAsync(
            "vm", p => Conditions.Find(p.Status?.Conditions, ConditionTypes.Scheduled)?.Message == expected,
            "the Scheduled condition explains both failed filters");
        var condition = Conditions.Find(pod.Status!.Conditions, ConditionTypes.Scheduled)!;
        condition.Status.Should().Be("False");
        condition.Reason.Should().Be("Unschedulable");
        pod.Status.Node.Should().BeNull();
        pod.Status.Phase.Should().Be(SuperPodPhase.Pending);
        await Eventually.UntilAsync(
            () => _h.EventsAsync().Result.Any(e => e is { Reason: "FailedScheduling", Type: "Warning" } && e.Message == condition.Message),
            "a FailedScheduling event was recorded");

        await _h.CreateNodeAsync("spot-big", "aws-use1", memory: "64Gi", spot: true);
        await _h.UntilReadyAsync("spot-big");

        pod = await _h.UntilPodAsync("vm", p => p.Status?.Node is not null, "the SuperPod was bound once a node fit");
        pod.Status!.Node.Should().Be("spot-big");
        Conditions.Find(pod.Status.Conditions, ConditionTypes.Scheduled)!.Reason.Should().Be("Scheduled");
    }

    [Fact]
    public async Task Conflict_on_bind_requeues_and_binds_exactly_once()
    {
        await _h.CreateClusterAsync("aws-use1", CloudProvider.Aws, "us-east-1", onDemandVcpu: "0.04");
        await _h.CreateNodeAsync("n1", "aws-use1", cpu: "2");
        _h.StartControllers();
        await _h.UntilReadyAsync("n1");
        _h.Lab.Faults.FailNext(1, 409, $"/namespaces/{_h.Namespace}/superpods/vm/status", "update");

        await _h.CreatePodAsync("vm", cpu: "2");

        var pod = await _h.UntilPodAsync("vm", p => p.Status?.Node is not null, "the SuperPod was bound after the conflict");
        pod.Status!.Node.Should().Be("n1");
        _h.Metrics.ReconcileTotal.WithLabels("superpod-scheduler", "requeue").Value.Should().Be(1, "the 409 requeued the key once");

        // The failed attempt's assumption was released: had it leaked, n1 (2 CPUs) would look full and this pod would not fit.
        await _h.CreatePodAsync("other", cpu: "1");
        var other = await _h.UntilPodAsync(
            "other", p => Conditions.Find(p.Status?.Conditions, ConditionTypes.Scheduled) is not null, "the second SuperPod was decided");
        Conditions.Find(other.Status!.Conditions, ConditionTypes.Scheduled)!.Message.Should().Be("0/1 nodes are available: 1 Insufficient cpu.");
        (await _h.EventsAsync()).Count(e => e.Reason == "Scheduled" && e.Message!.Contains("/vm to", StringComparison.Ordinal)).Should().Be(1);
    }

    [Fact]
    public async Task A_burst_of_superpods_never_over_commits_a_node()
    {
        await _h.CreateClusterAsync("aws-use1", CloudProvider.Aws, "us-east-1", onDemandVcpu: "0.04");
        await _h.CreateNodeAsync("a", "aws-use1", cpu: "2");
        await _h.CreateNodeAsync("b", "aws-use1", cpu: "2");
        _h.StartControllers();
        await _h.UntilReadyAsync("a", "b");

        foreach (var i in Enumerable.Range(0, 6))
        {
            await _h.CreatePodAsync($"vm-{i}", cpu: "1");
        }

        await Eventually.UntilAsync(
            () => Enumerable.Range(0, 6).Count(i => _h.GetPodAsync($"vm-{i}").Result.Status?.Node is not null) == 4
                && Enumerable.Range(0, 6).All(i => Conditions.Find(_h.GetPodAsync($"vm-{i}").Result.Status?.Conditions, ConditionTypes.Scheduled) is not null),
            "every SuperPod was decided", TimeSpan.FromSeconds(30));
        var pods = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => _h.GetPodAsync($"vm-{i}")));
        pods.Count(p => p.Status?.Node is not null).Should().Be(4);
        pods.Where(p => p.Status?.Node is not null).GroupBy(p => p.Status!.Node).Should().OnlyContain(g => g.Count() == 2);
    }
}
