using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;
using static SuperCloud.Operator.Tests.Scheduling.Fixtures;

namespace SuperCloud.Operator.Tests.Scheduling;

public sealed class ScoreTests
{
    [Fact]
    public void Share_price_is_vcpus_times_rate_plus_gib_times_rate()
    {
        new UnitPrices(0.02m, 0.003m).ShareCost(2000, 4 * GiB).Should().Be(0.052m);
        new UnitPrices(0.02m, 0.003m).ShareCost(500, GiB / 2).Should().Be(0.0115m);
    }

    [Fact]
    public void Price_prefers_the_cheapest_share_and_spot_when_allowed()
    {
        var cheap = Cluster("cheap", vcpu: 0.02m, gib: 0.002m, spotVcpu: null);
        var dear = Cluster("dear", vcpu: 0.08m, gib: 0.01m, spotVcpu: 0.005m, spotGib: 0.0005m);
        var snapshot = Snapshot([cheap, dear], Node("dear-od", dear), Node("cheap-od", cheap), Node("dear-spot", dear, spot: true));

        var allowed = Scheduler().Schedule(Pod(milliCpu: 2000, memoryGiB: 4), snapshot);
        var forbidden = Scheduler().Schedule(Pod(milliCpu: 2000, memoryGiB: 4, spot: SpotPolicy.Forbidden), snapshot);

        allowed.Node!.Name.Should().Be("dear-spot");
        allowed.TopReasons[0].ToString().Should().Be("Price: 0.012 USD/h spot");
        forbidden.Node!.Name.Should().Be("cheap-od");
        forbidden.TopReasons[0].ToString().Should().Be("Price: 0.048 USD/h on-demand");
    }

    [Fact]
    public void ClientLatency_prefers_the_cluster_closest_to_the_weighted_clients()
    {
        var virginia = Cluster("use1", latency: new() { ["us-east-1"] = 2, ["eu-west-1"] = 80 });
        var ireland = Cluster("euw1", region: "eu-west-1", latency: new() { ["us-east-1"] = 80, ["eu-west-1"] = 2 });
        var snapshot = Snapshot([virginia, ireland], Node("va", virginia), Node("ie", ireland));
        var pod = Pod();
        var europeHeavy = new PodRequest
        {
            Key = pod.Key, MilliCpu = pod.MilliCpu, MemoryBytes = pod.MemoryBytes,
            ClientRegions = [new("us-east-1", 1), new("eu-west-1", 3)],
        };

        var decision = new Scheduler(new SchedulerOptions { PercentageOfNodesToScore = 100, PriceWeight = 0 }).Schedule(europeHeavy, snapshot);

        decision.Node!.Name.Should().Be("ie");
        decision.TopReasons[0].ToString().Should().Be("ClientLatency: 21.5 ms weighted round trip to clients");
    }

    [Fact]
    public void Spread_prefers_the_node_left_freest()
    {
        var aws = Cluster("aws");
        var busy = Node("busy", aws);
        var idle = Node("idle", aws);
        var snapshot = Snapshot([aws], busy, idle);
        snapshot.Assume(Pod("existing", milliCpu: 4000, memoryGiB: 16), busy);

        var decision = Scheduler().Schedule(Pod(milliCpu: 2000, memoryGiB: 8), snapshot);

        decision.Node.Should().BeSameAs(idle);
        decision.TopReasons[0].ToString().Should().Be("Spread: 75% of the node free after placement");
    }

    [Fact]
    public void StubLocality_prefers_the_node_next_to_the_stubs()
    {
        var use1 = Cluster("use1");
        var use1b = Cluster("use1b");
        var snapshot = Snapshot([use1, use1b], Node("far", use1), Node("near", use1b), Node("near-2", use1b));
        var pod = Pod();
        var withStub = new PodRequest
        {
            Key = pod.Key, MilliCpu = pod.MilliCpu, MemoryBytes = pod.MemoryBytes,
            StubLocations = [new StubLocation { Cluster = "use1b", Node = "near-2" }, new StubLocation { Cluster = "use1b" }],
        };

        var decision = Scheduler().Schedule(withStub, snapshot);

        decision.Node!.Name.Should().Be("near-2");
        decision.TopReasons.Select(r => r.ToString()).Should().Contain("StubLocality: 2/2 stubs in the node's cluster");
    }

    [Fact]
    public void Scheduled_message_names_the_node_its_place_and_the_decisive_reasons_first()
    {
        var cheap = Cluster("cheap", vcpu: 0.01m, spotVcpu: null);
        var dear = Cluster("dear", CloudProvider.Gcp, "europe-west1", vcpu: 0.09m, spotVcpu: null);
        var snapshot = Snapshot([dear, cheap], Node("d", dear), Node("c", cheap));

        var decision = Scheduler().Schedule(Pod(), snapshot);

        decision.Message.Should().Be(
            "assigned to node c (cluster cheap, aws us-east-1; 2 of 2 examined nodes fit): " +
            "Price: 0.015 USD/h on-demand; Spread: 92% of the node free after placement");
    }

    [Fact]
    public void A_burst_never_over_commits_a_node()
    {
        var aws = Cluster("aws");
        var nodes = new[] { Node("a", aws, cpu: 4), Node("b", aws, cpu: 4), Node("c", aws, cpu: 4) };
        var snapshot = Snapshot([aws], nodes);
        var scheduler = Scheduler();

        var decisions = Enumerable.Range(0, 14).Select(i => scheduler.ScheduleAndAssume(Pod($"vm-{i}", milliCpu: 1000), snapshot)).ToList();

        decisions.Count(d => d.IsScheduled).Should().Be(12);
        nodes.Should().OnlyContain(n => n.RequestedMilliCpu == 4000 && n.SuperPodCount == 4);
        decisions.Where(d => !d.IsScheduled).Should().OnlyContain(d => d.Message == "0/3 nodes are available: 3 Insufficient cpu.");
        decisions.Take(3).Select(d => d.Node!.Name).Should().OnlyHaveUniqueItems("Spread sends a burst to different nodes first");
    }

    [Fact]
    public void Forget_releases_what_an_assumed_pod_held()
    {
        var aws = Cluster("aws");
        var node = Node("a", aws, cpu: 1);
        var snapshot = Snapshot([aws], node);
        var scheduler = Scheduler();
        scheduler.ScheduleAndAssume(Pod("first"), snapshot).IsScheduled.Should().BeTrue();
        scheduler.Schedule(Pod("second"), snapshot).IsScheduled.Should().BeFalse();

        snapshot.Forget(new ObjectKey("default", "first")).Should().BeTrue();

        scheduler.Schedule(Pod("second"), snapshot).Node.Should().BeSameAs(node);
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(1000, 420)]
    [InlineData(5000, 500)]
    [InlineData(20000, 1000)]
    public void Feasible_nodes_to_find_follows_kube_schedulers_adaptive_percentage(int nodes, int expected)
    {
        new Scheduler().FeasibleNodesToFind(nodes).Should().Be(expected);
    }

    [Fact]
    public void Large_clusters_stop_filtering_once_enough_nodes_fit_and_rotate_the_start()
    {
        var aws = Cluster("aws");
        var snapshot = Snapshot([aws], [.. Enumerable.Range(0, 1000).Select(i => Node($"n{i:0000}", aws))]);
        var scheduler = new Scheduler();

        var first = scheduler.Schedule(Pod("a"), snapshot);
        var second = scheduler.Schedule(Pod("b"), snapshot);

        first.NodesEvaluated.Should().Be(420);
        first.FeasibleNodes.Should().Be(420);
        second.Node!.Name.Should().Be("n0420", "the next cycle starts where the last stopped, and ties go to the first examined");
    }
}
