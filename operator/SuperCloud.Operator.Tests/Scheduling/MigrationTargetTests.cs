using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;
using static SuperCloud.Operator.Tests.Scheduling.Fixtures;

namespace SuperCloud.Operator.Tests.Scheduling;

/// <summary>Choosing where a running SuperPod moves: never its own node, within its constraints and the migration's target.</summary>
public sealed class MigrationTargetTests
{
    private static readonly ClusterInfo Aws = Cluster("aws-use1");
    private static readonly ClusterInfo Eu = Cluster("aws-euw1", region: "eu-west-1");
    private static readonly ClusterInfo OnPrem = Cluster("onprem", CloudProvider.OnPrem, "lab", vcpu: 0.01m, spotVcpu: null);
    private static readonly ObjectKey Reservation = ClusterSnapshot.MigrationReservation(new ObjectKey("default", "vm"));

    [Fact]
    public void The_source_node_is_never_the_target()
    {
        var source = Node("src", Aws);
        var snapshot = Snapshot([Aws], source);

        var decision = Scheduler().Schedule(Pod().ForMigration(null, "src", Reservation), snapshot);

        decision.IsScheduled.Should().BeFalse();
        decision.Message.Should().Be("0/1 nodes are available: 1 node(s) were the migration's source.");
    }

    [Fact]
    public void A_named_target_node_is_the_only_candidate()
    {
        var (a, b, c) = (Node("a", Aws), Node("b", Aws), Node("c", OnPrem));
        var snapshot = Snapshot([Aws, OnPrem], a, b, c);

        var decision = Scheduler().Schedule(Pod().ForMigration(new MigrationTarget { Node = "b" }, "a", Reservation), snapshot);

        decision.Node.Should().BeSameAs(b, "the cheaper on-prem node is not what the migration asked for");
    }

    [Fact]
    public void A_target_cloud_narrows_the_superpods_own_clouds_and_an_empty_intersection_fits_nothing()
    {
        var (a, c) = (Node("a", Aws), Node("c", OnPrem));
        var snapshot = Snapshot([Aws, OnPrem], a, c);
        var awsOnly = new PodRequest { Key = new ObjectKey("default", "vm"), MilliCpu = 1000, MemoryBytes = GiB, Clouds = new HashSet<CloudProvider> { CloudProvider.Aws } };

        Scheduler().Schedule(Pod().ForMigration(new MigrationTarget { Cloud = CloudProvider.OnPrem }, "a", Reservation), snapshot).Node.Should().BeSameAs(c);
        var refused = Scheduler().Schedule(awsOnly.ForMigration(new MigrationTarget { Cloud = CloudProvider.OnPrem }, "a", Reservation), snapshot);
        refused.IsScheduled.Should().BeFalse("the SuperPod's own placement allows aws only");
        refused.Message.Should().Be("0/2 nodes are available: 1 node(s) didn't match cloud constraint, 1 node(s) were the migration's source.");
    }

    [Fact]
    public void A_target_region_keeps_the_superpods_other_constraints()
    {
        var (a, eu, onprem) = (Node("a", Aws), Node("eu", Eu), Node("op", OnPrem));
        var snapshot = Snapshot([Aws, Eu, OnPrem], a, eu, onprem);

        var decision = Scheduler().Schedule(Pod().ForMigration(new MigrationTarget { Region = "eu-west-1" }, "a", Reservation), snapshot);

        decision.Node.Should().BeSameAs(eu);
    }

    [Fact]
    public void A_migrating_superpod_holds_resources_on_its_source_and_its_target_until_it_ends()
    {
        var clusters = new[] { SuperCluster("aws-use1", CloudProvider.Aws), SuperCluster("onprem", CloudProvider.OnPrem) };
        var nodes = new[] { SuperNode("src", "aws-use1"), SuperNode("dst", "onprem") };
        var pod = new SuperPod
        {
            Metadata = new V1ObjectMeta { Name = "vm", NamespaceProperty = "default" },
            Spec = new SuperPodSpec { Resources = new SuperPodResources { Cpu = new ResourceQuantity("3"), Memory = new ResourceQuantity("4Gi") }, Boot = new BootSource { Image = "vm" } },
            Status = new SuperPodStatus
            {
                Node = "src", Phase = SuperPodPhase.Running,
                Migration = new CurrentMigration { Name = "m", Phase = MigrationPhase.Transferring, TargetNode = "dst" },
            },
        };

        var snapshot = ClusterSnapshot.Build(clusters, nodes, [pod]);

        snapshot.Node("src")!.RequestedMilliCpu.Should().Be(3000);
        snapshot.Node("dst")!.RequestedMilliCpu.Should().Be(3000, "the target's share is reserved while the VM moves there");
        snapshot.Placement(ClusterSnapshot.MigrationReservation(new ObjectKey("default", "vm")))!.Node.Name.Should().Be("dst");
        Scheduler().Schedule(Pod(milliCpu: 2000), snapshot).IsScheduled.Should().BeFalse("neither node has 2 CPUs left");
    }

    private static SuperCluster SuperCluster(string name, CloudProvider provider) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new SuperClusterSpec { Provider = provider, Region = "r", Pricing = new Pricing { OnDemand = new PriceRates { PerVcpuHour = "0.01", PerGiBHour = "0.001" } } },
    };

    private static SuperNode SuperNode(string name, string cluster) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new SuperNodeSpec { Cluster = cluster, AgentEndpoint = "10.0.0.1:7443" },
        Status = new SuperNodeStatus
        {
            Phase = SuperNodePhase.Ready,
            Allocatable = new NodeResources { Cpu = new ResourceQuantity("4"), Memory = new ResourceQuantity("8Gi"), SuperPods = 10 },
        },
    };
}
