using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Scheduling;
using SuperCloud.Operator.Scheduling.Plugins;
using static SuperCloud.Operator.Tests.Scheduling.Fixtures;

namespace SuperCloud.Operator.Tests.Scheduling;

public sealed class FilterTests
{
    private static readonly ClusterInfo Aws = Cluster("aws-use1");

    private static SchedulingDecision Schedule(PodRequest pod, params NodeInfo[] nodes) =>
        Scheduler().Schedule(pod, Snapshot([.. nodes.Select(n => n.Cluster!).Distinct()], nodes));

    [Fact]
    public void Five_nodes_failing_two_filters_give_kube_schedulers_fit_error_message()
    {
        var nodes = new[]
        {
            Node("spot-1", Aws, memoryGiB: 2, spot: true), Node("spot-2", Aws, memoryGiB: 2, spot: true), Node("spot-3", Aws, memoryGiB: 2, spot: true),
            Node("od-1", Aws, memoryGiB: 64), Node("od-2", Aws, memoryGiB: 64),
        };

        var decision = Schedule(Pod(memoryGiB: 4, spot: SpotPolicy.Required), nodes);

        decision.IsScheduled.Should().BeFalse();
        decision.FailureCounts.Should().BeEquivalentTo(new Dictionary<string, int>
        {
            ["Insufficient memory"] = 3,
            ["node(s) didn't match spot requirement"] = 2,
        });

        // kube-scheduler's FitError: "count reason" entries sorted as strings, joined by ", ", ending with a period.
        decision.Message.Should().Be("0/5 nodes are available: 2 node(s) didn't match spot requirement, 3 Insufficient memory.");
    }

    [Fact]
    public void No_nodes_at_all_says_so()
    {
        Scheduler().Schedule(Pod(), new ClusterSnapshot()).Message.Should().Be("no nodes available to schedule superpods");
    }

    [Fact]
    public void NodeResourcesFit_counts_each_missing_resource_of_a_node()
    {
        var decision = Schedule(Pod(milliCpu: 4000, memoryGiB: 8), Node("small", Aws, cpu: 2, memoryGiB: 4), Node("full", Aws, maxPods: 0));

        decision.Message.Should().Be("0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many superpods.");
    }

    [Fact]
    public void NodeResourcesFit_subtracts_what_is_already_assigned()
    {
        var node = Node("n", Aws, cpu: 4);
        var snapshot = Snapshot([Aws], node);
        snapshot.Assume(Pod("existing", milliCpu: 3500), node);

        Scheduler().Schedule(Pod(milliCpu: 1000), snapshot).Message.Should().Be("0/1 nodes are available: 1 Insufficient cpu.");
        Scheduler().Schedule(Pod(milliCpu: 500), snapshot).Node.Should().BeSameAs(node);
    }

    [Fact]
    public void NodeUnschedulable_skips_cordoned_and_not_ready_nodes()
    {
        var decision = Schedule(Pod(), Node("cordoned", Aws, unschedulable: true), Node("silent", Aws, ready: false));

        decision.Message.Should().Be("0/2 nodes are available: 1 node(s) were not ready, 1 node(s) were unschedulable.");
    }

    [Fact]
    public void CloudRegionCluster_enforces_clouds_excluded_clouds_regions_and_clusters()
    {
        var gcp = Cluster("gcp-euw1", CloudProvider.Gcp, "europe-west1");
        var azure = Cluster("az-weu", CloudProvider.Azure, "westeurope");
        var nodes = new[] { Node("a", Aws), Node("g", gcp), Node("z", azure) };

        Schedule(With(Pod(), clouds: [CloudProvider.Gcp]), nodes).Node!.Name.Should().Be("g");
        Schedule(With(Pod(), excluded: [CloudProvider.Aws, CloudProvider.Gcp]), nodes).Node!.Name.Should().Be("z");
        Schedule(With(Pod(), regions: ["us-east-1"]), nodes).Node!.Name.Should().Be("a");
        Schedule(With(Pod(), clusters: ["gcp-euw1"]), nodes).Node!.Name.Should().Be("g");
        Schedule(With(Pod(), clouds: [CloudProvider.OnPrem]), nodes).Message
            .Should().Be("0/3 nodes are available: 3 node(s) didn't match cloud constraint.");
        Schedule(With(Pod(), regions: ["mars-1"]), nodes).Message
            .Should().Be("0/3 nodes are available: 3 node(s) didn't match region constraint.");
        Schedule(With(Pod(), clusters: ["nope"]), nodes).Message
            .Should().Be("0/3 nodes are available: 3 node(s) didn't match cluster constraint.");
    }

    [Fact]
    public void Spot_policy_required_forbidden_and_allowed()
    {
        var nodes = new[] { Node("spot", Aws, spot: true), Node("on-demand", Aws) };

        Schedule(Pod(spot: SpotPolicy.Required), nodes).Node!.Name.Should().Be("spot");
        Schedule(Pod(spot: SpotPolicy.Forbidden), nodes).Node!.Name.Should().Be("on-demand");
        Schedule(Pod(spot: SpotPolicy.Allowed), nodes).IsScheduled.Should().BeTrue();
        Schedule(Pod(spot: SpotPolicy.Forbidden), nodes[0]).Message.Should().Be("0/1 nodes are available: 1 node(s) didn't match spot requirement.");
    }

    [Fact]
    public void MaxPrice_caps_the_share_price_on_spot_nodes_only()
    {
        // Spot share of 2 vCPU + 4 GiB at 0.01/vCPU-h and 0.00125/GiB-h = 0.025 per hour.
        var spot = Node("spot", Aws, spot: true);
        var onDemand = Node("on-demand", Aws);
        var pod = Pod(milliCpu: 2000, memoryGiB: 4);

        Schedule(With(pod, maxPrice: 0.025m), spot).Node.Should().BeSameAs(spot, "a price equal to the cap is within it");
        Schedule(With(pod, maxPrice: 0.024m), spot).Message.Should().Be("0/1 nodes are available: 1 node(s) exceeded max price per hour.");
        Schedule(With(pod, maxPrice: 0.001m), onDemand).Node.Should().BeSameAs(onDemand, "the cap applies to spot capacity");
    }

    [Fact]
    public void MaxPrice_rejects_spot_nodes_of_clusters_without_prices()
    {
        var unpriced = new ClusterInfo { Name = "lab", Provider = CloudProvider.OnPrem, Region = "lab" };
        var decision = Schedule(With(Pod(), maxPrice: 1m), Node("n", unpriced, spot: true));

        decision.Message.Should().Be("0/1 nodes are available: 1 node(s) exceeded max price per hour.");
    }

    [Fact]
    public void NodeSelector_needs_every_label()
    {
        var nodes = new[]
        {
            Node("ssd", Aws, labels: new() { ["disk"] = "ssd", ["gpu"] = "no" }),
            Node("hdd", Aws, labels: new() { ["disk"] = "hdd" }),
            Node("bare", Aws),
        };

        Schedule(With(Pod(), selector: new() { ["disk"] = "ssd" }), nodes).Node!.Name.Should().Be("ssd");
        Schedule(With(Pod(), selector: new() { ["disk"] = "ssd", ["gpu"] = "yes" }), nodes).Message
            .Should().Be("0/3 nodes are available: 3 node(s) didn't match SuperPod's node selector.");
    }

    [Fact]
    public void TaintToleration_names_the_untolerated_taint_and_honours_equal_and_exists()
    {
        var tainted = Node("t", Aws, taints: [new V1Taint { Key = "dedicated", Value = "db", Effect = "NoSchedule" }]);

        Schedule(Pod(), tainted).Message.Should().Be("0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: db}.");
        Schedule(With(Pod(), tolerations: [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "db" }]), tainted)
            .IsScheduled.Should().BeTrue();
        Schedule(With(Pod(), tolerations: [new V1Toleration { Key = "dedicated", OperatorProperty = "Exists", Effect = "NoSchedule" }]), tainted)
            .IsScheduled.Should().BeTrue();
        Schedule(With(Pod(), tolerations: [new V1Toleration { Key = "dedicated", Value = "web" }]), tainted)
            .IsScheduled.Should().BeFalse();
        Schedule(With(Pod(), tolerations: [new V1Toleration { OperatorProperty = "Exists" }]), tainted)
            .IsScheduled.Should().BeTrue("an empty key with Exists tolerates every taint");
        Schedule(With(Pod(), tolerations: [new V1Toleration { Key = "dedicated", OperatorProperty = "Exists", Effect = "NoExecute" }]), tainted)
            .IsScheduled.Should().BeFalse("the effect must match");
    }

    [Fact]
    public void PreferNoSchedule_taints_do_not_filter()
    {
        var node = new SuperNode
        {
            Metadata = new V1ObjectMeta { Name = "n" },
            Spec = new SuperNodeSpec
            {
                Cluster = "aws-use1", AgentEndpoint = "10.0.0.1:7443",
                Taints = [new V1Taint { Key = "soft", Effect = "PreferNoSchedule" }, new V1Taint { Key = "hard", Effect = "NoExecute" }],
            },
        };

        NodeInfo.From(node, Aws).Taints.Should().ContainSingle().Which.Key.Should().Be("hard");
    }

    [Fact]
    public void AntiAffinity_keeps_apart_at_node_and_cluster_level_within_the_namespace()
    {
        var gcp = Cluster("gcp-euw1", CloudProvider.Gcp, "europe-west1");
        var a1 = Node("a1", Aws);
        var a2 = Node("a2", Aws);
        var g1 = Node("g1", gcp);
        var snapshot = Snapshot([Aws, gcp], a1, a2, g1);
        snapshot.Assume(Pod("db-0", labels: new() { ["app"] = "db" }), a1);
        snapshot.Assume(Pod("db-other-ns", labels: new() { ["app"] = "db" }, ns: "other"), g1);
        var selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } };

        var byNode = With(Pod("db-1", labels: new() { ["app"] = "db" }), antiAffinity: [new AntiAffinityTerm { SuperPodSelector = selector, Topology = TopologyLevel.Node }]);
        var byCluster = With(Pod("db-1"), antiAffinity: [new AntiAffinityTerm { SuperPodSelector = selector, Topology = TopologyLevel.Cluster }]);
        var byCloud = With(Pod("db-1"), antiAffinity: [new AntiAffinityTerm { SuperPodSelector = selector, Topology = TopologyLevel.Cloud }]);

        var scheduler = Scheduler();
        scheduler.Schedule(byNode, snapshot).Node.Should().NotBeSameAs(a1);
        var lone = Node("lone", Aws);
        var crowded = Snapshot([Aws], lone);
        crowded.Assume(Pod("db-0", labels: new() { ["app"] = "db" }), lone);
        scheduler.Schedule(byNode, crowded).Message.Should().Be($"0/1 nodes are available: 1 {AntiAffinityFilter.Reason}.");
        scheduler.Schedule(byCluster, snapshot).Node.Should().BeSameAs(g1, "the pod in namespace 'other' does not count");
        scheduler.Schedule(byCloud, snapshot).Node.Should().BeSameAs(g1);
    }

    [Fact]
    public void AntiAffinity_selector_expressions_are_honoured()
    {
        var a1 = Node("a1", Aws);
        var a2 = Node("a2", Aws);
        var snapshot = Snapshot([Aws], a1, a2);
        snapshot.Assume(Pod("web-0", labels: new() { ["tier"] = "web" }), a1);
        var selector = new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["web", "api"] }],
        };

        Scheduler().Schedule(With(Pod("web-1"), antiAffinity: [new AntiAffinityTerm { SuperPodSelector = selector, Topology = TopologyLevel.Node }]), snapshot)
            .Node.Should().BeSameAs(a2);
    }

    internal static PodRequest With(
        PodRequest pod, CloudProvider[]? clouds = null, CloudProvider[]? excluded = null, string[]? regions = null, string[]? clusters = null,
        decimal? maxPrice = null, Dictionary<string, string>? selector = null, V1Toleration[]? tolerations = null,
        AntiAffinityTerm[]? antiAffinity = null) => new()
        {
            Key = pod.Key,
            Labels = pod.Labels,
            MilliCpu = pod.MilliCpu,
            MemoryBytes = pod.MemoryBytes,
            Spot = pod.Spot,
            Clouds = clouds?.ToHashSet(),
            ExcludedClouds = excluded?.ToHashSet(),
            Regions = regions?.ToHashSet(),
            Clusters = clusters?.ToHashSet(),
            MaxPricePerHour = maxPrice,
            NodeSelector = selector,
            Tolerations = tolerations ?? [],
            AntiAffinity = antiAffinity ?? [],
            ClientRegions = pod.ClientRegions,
            StubLocations = pod.StubLocations,
        };
}
